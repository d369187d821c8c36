#!/usr/bin/env python3
"""clean step of data_processing."""
import sys


def main():
    print("clean done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
