#!/usr/bin/env python3
"""Analyze: which of the page's recent posts worked best, and why.

Input: the fetch step's output in $BATON_INPUT -- the "data" list of
GET /{page-id}/feed: {id, message, created_time, reactions}.
Output: {"posts_analyzed", "best_post": {id, message, reactions},
"keywords": [...], "topic"}.

Seed 000 asked an LLM for this; here a transparent heuristic stands in
for it (most reactions wins; keywords are its most frequent long words),
so the example runs offline and gives the same answer every time.
"""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

STOPWORDS = set("""about after again before being could every their there
these thing those three through under until where which while would your
yourself keeps helps months""".split())


def reactions(post):
    return int(((post.get("reactions") or {}).get("summary") or {})
               .get("total_count", 0))


def main():
    posts = [p for p in adslib.read_input("fetch") or [] if p.get("message")]
    if not posts:
        adslib.fail("the page has no posts with a message to learn from")
    best = max(posts, key=reactions)
    words = [w for w in re.findall(r"[a-z]+", best["message"].lower())
             if len(w) > 4 and w not in STOPWORDS]
    keywords = [w for w, _ in collections.Counter(words).most_common(3)]
    print(f"{len(posts)} posts; best: {reactions(best)} reactions, "
          f"keywords {', '.join(keywords)}")
    adslib.write_output({
        "posts_analyzed": len(posts),
        "best_post": {"id": best["id"], "message": best["message"],
                      "reactions": reactions(best)},
        "keywords": keywords,
        "topic": keywords[0] if keywords else "tips",
    })


if __name__ == "__main__":
    main()
