"""Fitted decision trees as plain arrays and back: the forward model's forest without pickle.

A fitted scikit-learn tree is its node table (a structured array of plain numbers: children,
split feature, threshold, impurity, sample counts) and its node values. They are saved in an
.npz read with `allow_pickle=False`, and built back into scikit-learn `Tree` objects only
after checks that make walking them safe, since `Tree` itself trusts its arrays: every child
index points forward inside the table (so a walk always ends inside it), a leaf has no
children, an inner node splits on an existing feature, the values have the table's shape.

Why not skops: `import skops.io` lists every scikit-learn estimator at import time, which
imports all of scikit-learn and torch (2.5 s measured), and the forward model is loaded by
every `alloygan design` and `predict` (warm `design` takes 2.0 s in all).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def trees_to_arrays(trees: Sequence) -> dict[str, np.ndarray]:
    """`max_depth` (one per tree), and `nodes_<i>`, `values_<i>` of each tree."""
    arrays = {"max_depth": np.array([tree.max_depth for tree in trees], dtype=np.int64)}
    for i, tree in enumerate(trees):
        state = tree.__getstate__()
        arrays[f"nodes_{i}"], arrays[f"values_{i}"] = state["nodes"], state["values"]
    return arrays


def trees_from_arrays(arrays: Mapping[str, np.ndarray], n_features: int, n_outputs: int) -> list:
    """The trees `trees_to_arrays` wrote; ValueError naming the first thing that is not a valid tree."""
    from sklearn.tree._tree import NODE_DTYPE, TREE_LEAF, Tree

    depths = np.asarray(arrays.get("max_depth", np.empty(0)))
    if depths.ndim != 1 or depths.dtype.kind != "i" or len(depths) == 0:
        raise ValueError("no max_depth array of integers")
    trees = []
    for i, depth in enumerate(depths.tolist()):
        nodes, values = arrays.get(f"nodes_{i}"), arrays.get(f"values_{i}")
        if nodes is None or values is None:
            raise ValueError(f"tree {i}: missing its nodes or values")
        if nodes.dtype != NODE_DTYPE or nodes.ndim != 1 or len(nodes) == 0:
            raise ValueError(f"tree {i}: the node table is not scikit-learn's node layout")
        count = len(nodes)
        if values.dtype != np.float64 or values.shape != (count, n_outputs, 1):
            raise ValueError(f"tree {i}: values of shape {values.shape} for {count} nodes and {n_outputs} outputs")
        if not np.isfinite(values).all():
            raise ValueError(f"tree {i}: values that are not numbers")
        _check_nodes(i, nodes, n_features, TREE_LEAF)
        tree = Tree(n_features, np.ones(n_outputs, dtype=np.intp), n_outputs)
        tree.__setstate__({"max_depth": int(depth), "node_count": count, "nodes": nodes, "values": values})
        trees.append(tree)
    return trees


def _check_nodes(i: int, nodes: np.ndarray, n_features: int, leaf: int) -> None:
    index = np.arange(len(nodes))
    left, right, feature = nodes["left_child"], nodes["right_child"], nodes["feature"]
    is_leaf = left == leaf
    if np.any(is_leaf != (right == leaf)):
        raise ValueError(f"tree {i}: a node with one child")
    inner = ~is_leaf
    for name, child in (("left", left), ("right", right)):
        bad = inner & ((child <= index) | (child >= len(nodes)))
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ValueError(f"tree {i}: node {first}'s {name} child {int(child[first])} is not a later node "
                             f"of the {len(nodes)}")
    if np.any(inner & ((feature < 0) | (feature >= n_features))):
        raise ValueError(f"tree {i}: a split on a feature outside the {n_features} inputs")
    if np.any(inner & ~np.isfinite(nodes["threshold"])):
        raise ValueError(f"tree {i}: a split at a threshold that is not a number")
