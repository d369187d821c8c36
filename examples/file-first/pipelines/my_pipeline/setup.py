#!/usr/bin/env python3
"""
Setup step for My Pipeline
"""
import os
import sys

def main():
    try:
        print("Starting setup...")
        
        # Your setup logic here
        os.makedirs("output", exist_ok=True)
        
        print("Setup completed successfully")
        return 0
        
    except Exception as e:
        print(f"Setup failed: {e}", file=sys.stderr)
        return 1

if __name__ == "__main__":
    sys.exit(main())
