#!/usr/bin/env python3
"""report step of data_processing."""
import sys


def main():
    print("report done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
