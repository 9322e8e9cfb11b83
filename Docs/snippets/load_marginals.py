import hashlib, json, sys, numpy as np
raw = open(sys.argv[1], "rb").read()
assert raw[:8] == b"SLICEGEN" and hashlib.sha256(raw[:-32]).digest() == raw[-32:], "bad file"
h = json.loads(raw[16:16 + int.from_bytes(raw[8:16], "little")])
ms = h.get("marginals") or []
one = {m["columns"][0]: np.array(m["probabilities"]) for m in ms if len(m["columns"]) == 1}
for m in (m for m in ms if len(m["columns"]) == 2):
    a, b = m["columns"]
    P = np.array(m["probabilities"]).reshape(m["shape"])  # consistent 2-way table
    ga, gb = m.get("binGroups", [range(len(one[a])), range(len(one[b]))])  # fine bin -> group
    pa = np.bincount(ga, weights=one[a], minlength=P.shape[0])  # 1-way on the same groups
    print(a, b, *P.shape, abs(P.sum(axis=1) - pa).max())
