#!/usr/bin/env python3
"""Create: the new post, echoing what worked best.

Input: the analyze step's output in $BATON_INPUT.
Output: {"message", "based_on"} -- the message is what publish posts.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402


def main():
    a = adslib.read_input("analyze")
    best = a["best_post"]
    tags = " ".join(f"#{k}" for k in a["keywords"])
    message = (f"You loved this one, so here it is again: "
               f"{best['message']} {tags}").strip()
    print(message)
    adslib.write_output({"message": message, "based_on": best["id"],
                         "topic": a["topic"]})


if __name__ == "__main__":
    main()
