"""Collaboration networks: built once at initialisation, used in the hot loop as sparse matrices.

Two levels (ODD "Initialisation"):
- the **agency collaboration graph** (networkx, Holme–Kim power-law cluster graph): which agencies
  work together;
- the **workplace graph** (networkx): a node per workplace (a manager and her staff). Staff
  collaboration within an agency is a Watts–Strogatz small world (each workplace tied to the next
  two on each side of a ring, ties rewired with probability 0.1); staff collaboration across
  agencies adds links between random workplaces of collaborating agencies. The same graph is the
  managers' peer network.

Both are built once with networkx at initialisation (about 1 s for the 120 000 workplaces of the
`public-sector` world) and used in the hot loop as scipy CSR matrices.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

RING_NEIGHBOURS = 2  # each side: staff collaborate with the next two workplaces of their agency
REWIRE = 0.1  # Watts–Strogatz rewiring probability within an agency (shortcuts)
CROSS_LINK_SHARE = (
    0.2  # cross-agency links per agency tie, as a share of the smaller agency's units
)


def agency_graph(n_agencies: int, seed: int) -> nx.Graph:
    """Collaboration ties between agencies: heavy-tailed degrees with clustering (Holme & Kim 2002)."""
    if n_agencies < 3:
        return nx.complete_graph(n_agencies)
    m = 2 if n_agencies < 30 else 3
    return nx.powerlaw_cluster_graph(n_agencies, m, 0.3, seed=seed)


def workplace_graph(
    wp_agency: np.ndarray, agencies: nx.Graph, rng: np.random.Generator
) -> tuple[nx.Graph, sp.csr_matrix]:
    """The workplace graph (networkx) and its symmetric 0/1 adjacency as CSR (see module docstring).

    Workplaces of an agency are numbered contiguously; within an agency they form a Watts–Strogatz
    small world (ring of RING_NEIGHBOURS on each side, rewired with probability REWIRE); agencies of
    fewer than 5 workplaces are fully connected. Each agency tie adds CROSS_LINK_SHARE × the smaller
    agency's workplaces (at least one) links between random workplaces of the two agencies.
    """
    n = len(wp_agency)
    counts = np.bincount(wp_agency, minlength=agencies.number_of_nodes())
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for offset, size in zip(first.tolist(), counts.tolist()):
        if size >= 5:
            seed = int(rng.integers(2**31))
            local = nx.watts_strogatz_graph(size, 2 * RING_NEIGHBOURS, REWIRE, seed=seed)
        else:
            local = nx.complete_graph(size)
        graph.add_edges_from((u + offset, v + offset) for u, v in local.edges())
    edges = np.array(agencies.edges(), dtype=np.int64).reshape(-1, 2)
    if len(edges):
        a, b = edges[:, 0], edges[:, 1]
        links = np.maximum(1, np.round(CROSS_LINK_SHARE * np.minimum(counts[a], counts[b])))
        a_rep, b_rep = np.repeat(a, links.astype(np.int64)), np.repeat(b, links.astype(np.int64))
        src = first[a_rep] + rng.integers(0, counts[a_rep])
        dst = first[b_rep] + rng.integers(0, counts[b_rep])
        graph.add_edges_from(zip(src.tolist(), dst.tolist()))
    adj = nx.to_scipy_sparse_array(graph, nodelist=range(n), dtype=float, format="csr")
    return graph, sp.csr_matrix(adj)


def row_normalised(adj: sp.csr_matrix) -> sp.csr_matrix:
    """Adjacency with rows summing to 1 (isolated nodes keep a zero row): neighbour means."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    return sp.diags(inv) @ adj


def to_networkx(adj: sp.spmatrix) -> nx.Graph:
    """The workplace graph as a networkx graph (for analysis and the app's network view)."""
    return nx.from_scipy_sparse_array(adj)
