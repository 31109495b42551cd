print("obsctl")
