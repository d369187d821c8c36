#!/usr/bin/env python3
"""process step of my_pipeline."""
import sys


def main():
    print("process done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
