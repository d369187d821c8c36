#!/usr/bin/env python3
"""fetch step of data_processing."""
import sys


def main():
    print("fetch done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
