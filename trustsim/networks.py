"""Collaboration networks: built once at initialisation, used in the hot loop as sparse matrices.

Two levels (ODD "Initialisation"):
- the **agency collaboration graph** (networkx, Holme–Kim power-law cluster graph): which agencies
  work together;
- the **workplace graph**: a node per workplace (a manager and her staff). Staff collaboration
  within an agency joins each workplace to its two neighbours on each side of a ring plus one random
  shortcut (a Watts–Strogatz-like small world); staff collaboration across agencies adds links
  between random workplaces of collaborating agencies. The same graph is the managers' peer network.

The workplace graph has up to ~120 000 nodes in the `public-sector` world, so it is assembled with
array code straight into a scipy CSR matrix; `to_networkx` turns it into a networkx graph for
analysis and drawing.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

RING_NEIGHBOURS = 2  # each side: staff collaborate with the next two workplaces of their agency
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
) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency between workplaces (see module docstring)."""
    n = len(wp_agency)
    counts = np.bincount(wp_agency, minlength=agencies.number_of_nodes())
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))  # workplaces of an agency are contiguous
    local = np.arange(n) - first[wp_agency]
    size = counts[wp_agency]
    rows, cols = [], []
    for k in range(1, RING_NEIGHBOURS + 1):  # ring within each agency
        ok = size > k
        src = np.flatnonzero(ok)
        rows.append(src)
        cols.append(first[wp_agency[src]] + (local[src] + k) % size[src])
    ok = np.flatnonzero(size > 2)  # one random shortcut within the agency
    rows.append(ok)
    cols.append(first[wp_agency[ok]] + rng.integers(0, size[ok]))
    edges = np.array(agencies.edges(), dtype=np.int64).reshape(-1, 2)
    if len(edges):
        a, b = edges[:, 0], edges[:, 1]
        links = np.maximum(1, np.round(CROSS_LINK_SHARE * np.minimum(counts[a], counts[b])))
        links = links.astype(np.int64)
        a_rep, b_rep = np.repeat(a, links), np.repeat(b, links)
        rows.append(first[a_rep] + rng.integers(0, counts[a_rep]))
        cols.append(first[b_rep] + rng.integers(0, counts[b_rep]))
    r, c = np.concatenate(rows), np.concatenate(cols)
    keep = r != c
    r, c = r[keep], c[keep]
    adj = sp.coo_matrix((np.ones(2 * len(r)), (np.r_[r, c], np.r_[c, r])), shape=(n, n)).tocsr()
    adj.data[:] = 1.0  # duplicates summed by tocsr are collapsed to single ties
    return adj


def row_normalised(adj: sp.csr_matrix) -> sp.csr_matrix:
    """Adjacency with rows summing to 1 (isolated nodes keep a zero row): neighbour means."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    return sp.diags(inv) @ adj


def to_networkx(adj: sp.spmatrix) -> nx.Graph:
    """The workplace graph as a networkx graph (for analysis and the app's network view)."""
    return nx.from_scipy_sparse_array(adj)
