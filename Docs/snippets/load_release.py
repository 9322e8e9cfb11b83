import hashlib, json, sys, numpy as np
raw = open(sys.argv[1], "rb").read()
assert raw[:8] == b"SLICEGEN" and hashlib.sha256(raw[:-32]).digest() == raw[-32:], "bad file"
h = json.loads(raw[16:16 + int.from_bytes(raw[8:16], "little")])
d, mp, n = h["encodedWidth"], h["projections"], h["rows"]
U = np.frombuffer(raw, "<f4", d * mp, h["projectionsOffset"]).reshape(d, mp)
O = np.frombuffer(raw, "<f4", n * mp, h["releaseOffset"]).reshape(n, mp)
print(h["privacy"]["epsilon"], h["privacy"]["delta"], h["sigma"], U.shape, O.shape)
