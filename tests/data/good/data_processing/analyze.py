#!/usr/bin/env python3
"""analyze step of data_processing."""
import sys


def main():
    print("analyze done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
