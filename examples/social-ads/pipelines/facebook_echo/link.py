#!/usr/bin/env python3
"""Link: the published post's URL, as the run's output.

Input: the publish step's output in $BATON_INPUT: Graph's answer to
POST /{page-id}/feed with fields=id,permalink_url.
Output: {"url", "post_id"}; baton's batch summary prints "url" as the
"Post:" line of seed 000's report.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402


def main():
    post = adslib.read_input("publish")
    url = post.get("permalink_url") or f"https://www.facebook.com/{post['id']}"
    print(f"published: {url}")
    adslib.write_output({"url": url, "post_id": post["id"]})


if __name__ == "__main__":
    main()
