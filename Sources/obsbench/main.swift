print("obsbench")
