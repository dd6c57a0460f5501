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

# Defaults of the network parameters (params.py: ring_neighbours, rewire, cross_link_share)
RING_NEIGHBOURS = 2  # each side: staff collaborate with the next two workplaces of their agency
REWIRE = 0.1  # Watts–Strogatz rewiring probability within an agency (shortcuts)
CROSS_LINK_SHARE = 0.2  # cross-agency links per agency tie, share of the smaller agency's teams


def agency_graph(n_agencies: int, seed: int) -> nx.Graph:
    """Collaboration ties between agencies: heavy-tailed degrees with clustering (Holme & Kim 2002)."""
    if n_agencies < 3:
        return nx.complete_graph(n_agencies)
    m = 2 if n_agencies < 30 else 3
    return nx.powerlaw_cluster_graph(n_agencies, m, 0.3, seed=seed)


def workplace_graph(
    wp_agency: np.ndarray,
    agencies: nx.Graph,
    rng: np.random.Generator,
    real_teams: np.ndarray | None = None,
    ring_neighbours: int = RING_NEIGHBOURS,
    rewire: float = REWIRE,
    cross_link_share: float = CROSS_LINK_SHARE,
) -> tuple[nx.Graph, sp.csr_matrix, sp.csr_matrix]:
    """The workplace graph (networkx), its 0/1 adjacency (CSR) and the weighted influence matrix
    whose rows average over a workplace's collaborators (see module docstring).

    Workplaces of an agency are numbered contiguously; within an agency they form a Watts–Strogatz
    small world (ring of `ring_neighbours` on each side, rewired with probability `rewire`); agencies
    of fewer than 5 workplaces are fully connected. Each agency tie adds `cross_link_share` × the smaller
    agency's real team count (at least one) links between random workplaces of the two agencies.

    Scale (ODD §2): an agency with n real teams may be modelled by m < n of them, each standing for
    r = n / m real teams. So that a modelled team sees the same mix of collaborators as a real one,
    it weighs a cross-agency link 1 / r (its r real teams share the links that land on it). The
    colleagues a scaled team no longer has are simply absent (a self-loop standing for them was
    tried and biased the peer norm: a single manager's orientation is a noisier stand-in for the
    mean of several colleagues, and the peer response is convex below its threshold). At scale 1
    every weight is 1.
    """
    n = len(wp_agency)
    n_org = agencies.number_of_nodes()
    counts = np.bincount(wp_agency, minlength=n_org)
    real = counts if real_teams is None else np.asarray(real_teams)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    within_edges = []
    for offset, size in zip(first.tolist(), counts.tolist()):
        if size > 2 * ring_neighbours:  # a ring lattice needs more nodes than ties per node
            seed = int(rng.integers(2**31))
            local = nx.watts_strogatz_graph(size, 2 * ring_neighbours, rewire, seed=seed)
        else:
            local = nx.complete_graph(size)
        within_edges += [(u + offset, v + offset) for u, v in local.edges()]
    graph.add_edges_from(within_edges)
    edges = np.array(agencies.edges(), dtype=np.int64).reshape(-1, 2)
    src = dst = np.zeros(0, dtype=np.int64)
    if len(edges):
        a, b = edges[:, 0], edges[:, 1]
        links = np.maximum(1, np.round(cross_link_share * np.minimum(real[a], real[b])))
        a_rep, b_rep = np.repeat(a, links.astype(np.int64)), np.repeat(b, links.astype(np.int64))
        src = first[a_rep] + rng.integers(0, counts[a_rep])
        dst = first[b_rep] + rng.integers(0, counts[b_rep])
        graph.add_edges_from(zip(src.tolist(), dst.tolist()))
    adj = sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(n), dtype=float, format="csr"))
    # the influence matrix: within-agency ties weigh 1, cross-agency links 1 / r
    r = (real / np.maximum(1, counts))[wp_agency]
    inner = np.array(within_edges, dtype=np.int64).reshape(-1, 2)
    rows = np.concatenate([inner[:, 0], inner[:, 1], src, dst])
    cols = np.concatenate([inner[:, 1], inner[:, 0], dst, src])
    weight = np.concatenate([np.ones(2 * len(inner)), 1.0 / r[src], 1.0 / r[dst]])
    # at scale 1 a repeated link counts once, as in the graph; scaled, repeated links add up
    coo = sp.coo_matrix((weight, (rows, cols)), shape=(n, n))
    coo.sum_duplicates()
    if (r == 1).all():
        coo.data = np.minimum(coo.data, 1.0)
    influence = sp.csr_matrix(coo.tocsr())
    return graph, adj, influence


def row_normalised(adj: sp.csr_matrix) -> sp.csr_matrix:
    """Adjacency with rows summing to 1 (isolated nodes keep a zero row): neighbour means."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    return sp.diags(inv) @ adj


def to_networkx(adj: sp.spmatrix) -> nx.Graph:
    """The workplace graph as a networkx graph (for analysis and the app's network view)."""
    return nx.from_scipy_sparse_array(adj)
