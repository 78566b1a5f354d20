#!/usr/bin/env python3
"""Rebuilds the labelled test corpus in src/test/resources/corpus/ from its sources.

None of these sources is used by the classifier itself. Obtain them first (see
src/test/resources/corpus/README.md for versions and licences):

  USER_AGENTS   unpacked npm package `user-agents`   (npm pack user-agents; tar -xzf ...)
                -> uses package/dist/user-agents.json
  DD_SDIST      unpacked PyPI sdist `device_detector` (pip download --no-deps --no-binary :all:
                device-detector; tar -xzf ...) -> uses device_detector/tests/fixtures/upstream/*.yml
                (Matomo device-detector's own Tests/fixtures, vendored by that package)
  CD_DIR        JayBizzle/Crawler-Detect tests/data/categories/{headless,http-library,
                ai-training,monitoring}.txt, fetched from the repository

Usage: extract-corpus.py USER_AGENTS DD_SDIST CD_DIR OUT_DIR
Needs Python 3.8+ and PyYAML.
"""
import collections
import glob
import json
import os
import random
import re
import sys

import yaml

SEED = 20261128
DD_BROWSER_SAMPLE = 3000
DD_DEVICE_FILES = re.compile(
    r"(desktop|smartphone|tablet|phablet|feature_phone|console|tv|car_browser|smart_display"
    r"|portable_media_player|peripheral|wearable|camera)")
CD_CATEGORIES = ["headless", "http-library", "ai-training", "monitoring"]


def clean(ua):
    ua = str(ua)
    return None if any(c in ua for c in "\t\r\n") or not ua.strip() else ua


def load_yaml(path):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader) or []


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    user_agents, dd_sdist, cd_dir, out = sys.argv[1:]
    os.makedirs(out, exist_ok=True)

    # 1. Real browsers, popularity-weighted (Intoli user-agents): every distinct user agent with
    #    its summed traffic weight and the package's own device category.
    with open(os.path.join(user_agents, "package", "dist", "user-agents.json"), encoding="utf-8") as f:
        entries = json.load(f)
    weight = collections.defaultdict(float)
    category = {}
    for e in entries:
        ua = clean(e["userAgent"])
        if ua is None:
            continue
        weight[ua] += e["weight"]
        category.setdefault(ua, e.get("deviceCategory", ""))
    with open(os.path.join(out, "browsers-intoli-user-agents.tsv"), "w", encoding="utf-8") as f:
        f.write("# weight\tdevice_category\tuser_agent\n")
        for ua in sorted(weight, key=lambda u: (-weight[u], u)):
            f.write(f"{weight[ua]:.10f}\t{category[ua]}\t{ua}\n")

    fixtures = os.path.join(dd_sdist, "device_detector", "tests", "fixtures", "upstream")

    # 2. Long-tail browsers: a seeded sample of Matomo fixtures whose client type is "browser".
    rows = []
    for path in sorted(glob.glob(os.path.join(fixtures, "*.yml"))):
        name = os.path.basename(path)
        if name == "bots.yml" or not DD_DEVICE_FILES.match(name):
            continue
        for e in load_yaml(path):
            client = e.get("client") or {}
            if client.get("type") != "browser":
                continue
            ua = clean(e.get("user_agent"))
            if ua is None:
                continue
            device = ((e.get("device") or {}).get("type") or "").replace(" ", "_")
            rows.append((device, client.get("name", ""), ua))
    rows = sorted(set(rows))
    random.Random(SEED).shuffle(rows)
    with open(os.path.join(out, "browsers-device-detector-sample.tsv"), "w", encoding="utf-8") as f:
        f.write("# device_type\tbrowser_name\tuser_agent\n")
        for device, browser, ua in sorted(rows[:DD_BROWSER_SAMPLE], key=lambda r: r[2]):
            f.write(f"{device}\t{browser}\t{ua}\n")

    # 3. Bots: every user agent in Matomo's bots.yml fixture.
    bots = {}
    for e in load_yaml(os.path.join(fixtures, "bots.yml")):
        ua = clean(e.get("user_agent"))
        if ua is None:
            continue
        bot = e.get("bot") or {}
        bots.setdefault(ua, (bot.get("name", ""), bot.get("category", "") or ""))
    with open(os.path.join(out, "bots-device-detector.tsv"), "w", encoding="utf-8") as f:
        f.write("# bot_name\tcategory\tuser_agent\n")
        for ua in sorted(bots):
            name, cat = bots[ua]
            f.write(f"{name}\t{cat}\t{ua}\n")

    # 4. Bots: Crawler-Detect's categorised test fixtures.
    with open(os.path.join(out, "bots-crawler-detect.tsv"), "w", encoding="utf-8") as f:
        f.write("# category\tuser_agent\n")
        for cat in CD_CATEGORIES:
            with open(os.path.join(cd_dir, cat + ".txt"), encoding="utf-8") as src:
                for line in src:
                    ua = clean(line.rstrip("\n"))
                    if ua is not None:
                        f.write(f"{cat}\t{ua}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
