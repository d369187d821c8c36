#!/usr/bin/env python3
"""setup step of my_pipeline."""
import sys


def main():
    print("setup done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
