#!/usr/bin/env python
from kith.cli import main

if __name__ == "__main__":
    main()
