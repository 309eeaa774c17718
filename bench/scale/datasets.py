"""Data sets for `scripts/bench scale`, generated on this machine.

clustered(n): the recipe of issue 9 -- 5,000 Gaussian centres in 128 dims,
    points = centre + N(0, 0.5^2) noise; queries drawn the same way from the
    same centres (held out: never in the base set).
man_pages(): a real-text embedding set -- the man pages installed here,
    split into paragraph windows, TF-IDF (sublinear tf, English stop words)
    and a 256-dimension truncated SVD, L2-normalised; a random 1,000 windows
    are held out as queries.

Both are written as float32 .npy files and cached in the data directory, so a
second run reuses them (delete the directory to regenerate).
"""
import gzip
import os
import re
import time

import numpy as np


def log(msg):
    print(f"scale: {msg}", flush=True)


def clustered(out_dir, n, dim=128, centres=5000, sigma=0.5, queries=1000, seed=2026):
    """Base (n x dim) and query (queries x dim) float32 arrays; cached on disk."""
    base_path = os.path.join(out_dir, f"clustered-{n}.npy")
    query_path = os.path.join(out_dir, "clustered-queries.npy")
    if not (os.path.exists(base_path) and os.path.exists(query_path)):
        t = time.time()
        rng = np.random.default_rng(seed)
        centre_vectors = rng.standard_normal((centres, dim)).astype(np.float32)
        # The query set is the same for every n: drawn first from its own stream.
        qrng = np.random.default_rng(seed + 1)
        q = centre_vectors[qrng.integers(0, centres, queries)]
        q = q + sigma * qrng.standard_normal(q.shape).astype(np.float32)
        np.save(query_path, q.astype(np.float32))
        base = np.lib.format.open_memmap(base_path + ".tmp.npy", mode="w+", dtype=np.float32, shape=(n, dim))
        chunk = 100_000
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            rows = centre_vectors[rng.integers(0, centres, m)]
            base[start:start + m] = rows + sigma * rng.standard_normal((m, dim)).astype(np.float32)
        base.flush()
        del base
        os.replace(base_path + ".tmp.npy", base_path)
        log(f"generated {base_path} ({n} x {dim}) in {time.time() - t:.1f} s")
    return base_path, query_path


_TROFF = re.compile(r"\\f[BIRP]|\\\(..|\\[-&e|^ ]|\\s[-+]?\d|\\\*.|\\.")


def _man_text(path):
    """Plain text of one troff man page, roughly: macros dropped, escapes removed."""
    try:
        with gzip.open(path, "rt", errors="replace") as f:
            raw = f.read()
    except (OSError, EOFError):
        return ""
    lines = []
    for line in raw.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith(".") or line.startswith("'"):
            # Keep the text arguments of font/heading macros (.B word, .SH NAME).
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[0] in (".B", ".I", ".BR", ".IR", ".BI", ".SH", ".SS", ".IP", ".TP"):
                lines.append(parts[1].replace('"', ""))
            else:
                lines.append("")
            continue
        lines.append(line)
    return _TROFF.sub(" ", "\n".join(lines))


def _windows(text, words=120, stride=100):
    tokens = text.split()
    if len(tokens) < 40:
        return []
    return [" ".join(tokens[i:i + words]) for i in range(0, max(1, len(tokens) - 40), stride)]


def man_pages(out_dir, dim=256, queries=1000, max_docs=60_000, seed=2026):
    """(base_path, query_path, n) of a TF-IDF + SVD embedding of the man pages."""
    base_path = os.path.join(out_dir, "manpages-base.npy")
    query_path = os.path.join(out_dir, "manpages-queries.npy")
    if os.path.exists(base_path) and os.path.exists(query_path):
        return base_path, query_path
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    t = time.time()
    docs = []
    for root, _, files in os.walk("/usr/share/man"):
        if "/man" not in root:
            continue
        for name in sorted(files):
            if name.endswith(".gz"):
                docs.extend(_windows(_man_text(os.path.join(root, name))))
    rng = np.random.default_rng(seed)
    if len(docs) > max_docs:
        docs = [docs[i] for i in sorted(rng.choice(len(docs), max_docs, replace=False))]
    if len(docs) < 2 * queries:
        raise SystemExit(f"scale: only {len(docs)} text windows under /usr/share/man; install more manpages")
    log(f"{len(docs)} text windows from /usr/share/man ({time.time() - t:.1f} s)")
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", max_features=50_000, min_df=2, dtype=np.float32)
    x = tfidf.fit_transform(docs)
    svd = TruncatedSVD(n_components=dim, algorithm="randomized", n_iter=5, random_state=seed)
    e = svd.fit_transform(x).astype(np.float32)
    norms = np.linalg.norm(e, axis=1)
    e = e[norms > 0] / norms[norms > 0, None]
    order = rng.permutation(len(e))
    np.save(query_path, np.ascontiguousarray(e[order[:queries]]))
    np.save(base_path, np.ascontiguousarray(e[order[queries:]]))
    log(f"man-page embeddings: {len(e) - queries} x {dim} base, {queries} queries "
        f"(explained variance {svd.explained_variance_ratio_.sum():.2f}; {time.time() - t:.1f} s)")
    return base_path, query_path
