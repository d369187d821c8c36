#!/usr/bin/env python3
"""Results: the compliance agent's verdicts as the campaign's results.

Input: the compliance step's output in $BATON_INPUT
({approved_messages, rejected_messages, ...}).
Output -- the run's output, shown by `baton status RUN --output`:
  {"approved_messages": [...], "rejected_messages": [...],
   "total_approved": N, "total_rejected": N}
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402


def main():
    c = adslib.read_input("compliance")
    try:
        approved = list(c["approved_messages"])
        rejected = list(c["rejected_messages"])
    except (KeyError, TypeError) as e:
        adslib.fail(f"the compliance agent's answer has no {e}")
    print(f"{len(approved)} messages approved, {len(rejected)} rejected")
    for m in rejected:
        print(f"  rejected {m.get('message_id')}: "
              f"{m.get('rejection_reason')} {m.get('compliance_issues')}")
    adslib.write_output({"approved_messages": approved,
                         "rejected_messages": rejected,
                         "total_approved": len(approved),
                         "total_rejected": len(rejected)})


if __name__ == "__main__":
    main()
