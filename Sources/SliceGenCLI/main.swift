print("slicegen")
