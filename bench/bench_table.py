"""Every row of the performance table, each as a ratio against its peer or limit, in one run.

Peers run in the same process and the same run, interleaved where it matters, so that a noisy
shared machine moves both sides together: raw tiktoken encode, LangChain's text splitters,
sumy's TextRank and LexRank (from the optional ``bench`` extra, never a runtime dependency),
the ideal latency bound of the LLM path against the tests' fake OpenAI-compatible server (run
in its own process), LangChain's map_reduce summarize chain on the same articles and server
for prompt characters, ``python -c pass`` for start-up.

Run: make bench   (or .venv-bench/bin/python bench/bench_table.py [--quick])
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, article, header  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []  # (measure, result, peer or limit, verdict)


def row(measure: str, result: str, peer: str, ok: bool | None) -> None:
    verdict = "n/a" if ok is None else ("meets" if ok else "MISSES")
    ROWS.append((measure, result, peer, verdict))
    print(f"  -> {measure}: {result} | {peer} | {verdict}", flush=True)


def best(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# ---- 1. chunking ------------------------------------------------------------------------


def bench_chunking(repeats: int) -> None:
    from briefer.chunking import chunk_text
    from briefer.tokenizer import get_encoding

    print("\n## chunking a long document (max_tokens 2000, overlap 100)")
    rng = random.Random(7)
    text = "\n\n".join(article(rng, 800) for _ in range(250))
    enc = get_encoding("o200k_base")
    tokens = len(enc.encode_ordinary(text))
    print(f"input: {len(text):,} characters, {tokens:,} o200k_base tokens")
    methods: dict[str, Callable[[], Any]] = {
        "encode": lambda: enc.encode_ordinary(text),  # the pair's spread: ~1.0x
        "briefer": lambda: chunk_text(text, max_tokens=2000, overlap=100),
        "briefer 512/50": lambda: chunk_text(text, max_tokens=512, overlap=50),
    }
    try:
        import tiktoken
        from langchain_text_splitters import RecursiveCharacterTextSplitter, TokenTextSplitter

        # LangChain asks tiktoken for the encoding by name, which would download it: hand it
        # the offline one briefer builds.
        tiktoken.get_encoding = get_encoding  # type: ignore[assignment]
        token_splitter = TokenTextSplitter(
            encoding_name="o200k_base", chunk_size=2000, chunk_overlap=100
        )
        recursive = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
            encoding_name="o200k_base", chunk_size=2000, chunk_overlap=100
        )
        methods["LangChain TokenTextSplitter"] = lambda: token_splitter.split_text(text)
        methods["LangChain RecursiveCharacterTextSplitter"] = lambda: recursive.split_text(text)
    except ImportError:
        print("LangChain splitters not installed (pip install -e '.[bench]'): peers skipped")
    times: dict[str, list[float]] = {name: [] for name in methods}
    ratios: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeats):
        # Each round runs encode right before every method: the ratio of a pair taken moments
        # apart survives a shared machine's drifting speed better than two separate bests.
        for name, fn in methods.items():
            start = time.perf_counter()
            enc.encode_ordinary(text)
            middle = time.perf_counter()
            fn()
            end = time.perf_counter()
            times[name].append(end - middle)
            ratios[name].append((middle - start) / (end - middle))
    for name in methods:
        t = min(times[name])
        print(
            f"{name}: best of {repeats} {t * 1000:.1f} ms, {tokens / t / 1e6:.2f} M tokens/s; "
            f"median paired ratio {statistics.median(ratios[name]):.2f}x encode"
        )
    chunks = chunk_text(text, max_tokens=2000, overlap=100)
    print(f"briefer: {len(chunks)} chunks")
    splitter = "LangChain TokenTextSplitter"
    peer = (
        f"TokenTextSplitter {statistics.median(ratios[splitter]):.2f}x encode"
        if splitter in ratios
        else "TokenTextSplitter not measured"
    )
    ratio = statistics.median(ratios["briefer"])
    row(
        "chunking 2000/100 vs raw encode",
        f"{ratio:.2f}x encode (512/50: {statistics.median(ratios['briefer 512/50']):.2f}x)",
        peer + "; target >= 0.8x",
        ratio >= 0.8,
    )


# ---- 2. extractive engine -----------------------------------------------------------------


class _Tokenizer:
    """sumy's tokenizer interface over briefer's segmentation: sumy's own needs NLTK data
    downloaded from the network."""

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        from briefer.segmentation import sentences

        return tuple(paragraph[s.start : s.end] for s in sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        import re

        return tuple(re.findall(r"\w+", sentence))


def bench_extractive(count: int) -> None:
    from briefer.config import Settings
    from briefer.engines.extractive import ExtractiveEngine
    from briefer.sources import build_article

    print("\n## extractive engine, ~800-word articles, one core")
    rng = random.Random(11)
    raw = [article(rng, 800) for _ in range(count)]
    articles = [build_article(t.encode(), f"bench-{i}.txt", "text") for i, t in enumerate(raw)]
    engine = ExtractiveEngine(Settings())
    engine.analyze(articles[0], [])
    runners: dict[str, Callable[[], Any]] = {}
    sample = raw[: max(10, count // 10)]
    runners["briefer"] = lambda: [engine.analyze(a, []) for a in articles]
    sizes = {"briefer": count}
    try:
        from sumy.nlp.stemmers import Stemmer
        from sumy.parsers.plaintext import PlaintextParser
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.summarizers.text_rank import TextRankSummarizer
        from sumy.utils import get_stop_words

        for name, cls in (
            ("sumy TextRank", TextRankSummarizer),
            ("sumy LexRank", LexRankSummarizer),
        ):
            summarizer = cls(Stemmer("english"))
            summarizer.stop_words = get_stop_words("english")

            def run(summarizer: Any = summarizer) -> None:
                for text in sample:
                    summarizer(PlaintextParser.from_string(text, _Tokenizer()).document, 5)

            runners[name] = run
            sizes[name] = len(sample)
    except ImportError:
        print("sumy not installed (pip install -e '.[bench]'): peers skipped")
    # Rounds alternate briefer and its peers, so that the machine's drift hits all of them.
    rates: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(3):
        for name, fn in runners.items():
            rates[name].append(sizes[name] / best(fn, 1))
    rate = statistics.median(rates["briefer"])
    print(f"briefer: {rate:.0f} articles/s ({1000 / rate:.2f} ms/article), median of 3 rounds")
    peers = []
    for name in runners:
        if name == "briefer":
            continue
        peer_rate = statistics.median(rates[name])
        ratio = statistics.median(b / p for b, p in zip(rates["briefer"], rates[name]))
        print(f"{name}: {peer_rate:.0f} articles/s (5 sentences; {sizes[name]} articles)")
        peers.append(f"{name} {peer_rate:.0f}/s (briefer {ratio:.1f}x)")
    row(
        "extractive engine",
        f"{rate:.0f} articles/s",
        "; ".join(peers) + "; target >= 300/s",
        rate >= 300,
    )


# ---- 3. start-up --------------------------------------------------------------------------


def bench_startup(runs: int) -> None:
    print("\n## `briefer --help` against `python -c pass`, whole process, same interpreter")
    # The console script, as a user runs it (python -m adds runpy's own cost).
    script = Path(sys.executable).with_name("briefer")
    briefer_cmd = (
        [str(script), "--help"] if script.exists() else [sys.executable, "-m", "briefer", "--help"]
    )
    bare = [sys.executable, "-c", "pass"]
    walls: dict[str, list[float]] = {"briefer": [], "python": []}
    cpus: dict[str, list[float]] = {"briefer": [], "python": []}
    for _ in range(runs):
        for name, cmd in (("briefer", briefer_cmd), ("python", bare)):
            before = os.times()
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            walls[name].append(time.perf_counter() - start)
            after = os.times()
            cpus[name].append(
                after.children_user
                + after.children_system
                - before.children_user
                - before.children_system
            )
    help_s, pass_s = statistics.median(walls["briefer"]), statistics.median(walls["python"])
    help_cpu = statistics.median(cpus["briefer"])
    print(
        f"median of {runs}: briefer --help {help_s:.3f} s wall, {help_cpu:.3f} s CPU; "
        f"python -c pass {pass_s:.3f} s wall"
    )
    row(
        "briefer --help",
        f"{help_s:.3f} s wall, {help_cpu:.3f} s CPU ({help_s / pass_s:.1f}x python -c pass)",
        f"python -c pass {pass_s:.3f} s; target <= 0.15 s",
        help_s <= 0.15,
    )


# ---- 4. LLM path --------------------------------------------------------------------------

_SERVER = """
import json, re, sys, time
sys.path.insert(0, {root!r})
from tests.fake_llm import FakeLLM
fake = FakeLLM()
fake.delay = {delay}
if {summaries}:
    # For a plain summarize prompt: the first two sentences of the text quoted in it, about
    # the length of the concise summary a model writes for a one-chunk news article.
    def summary(request):
        quoted = request["messages"][-1]["content"].split('"', 1)[-1]
        return " ".join(re.split(r"(?<=[.!?])\\s", quoted.strip())[:2])
    fake.responder = summary
fake.start()
print(fake.base_url, flush=True)
sys.stdin.read()
fake.stop()
roles = {{}}
for r in fake.requests:
    for m in r["messages"]:
        roles[m["role"]] = roles.get(m["role"], 0) + len(m["content"])
counts = dict(calls=len(fake.requests), chars=sum(roles.values()), roles=roles)
print(json.dumps(counts), flush=True)
"""


class _Server:
    """The tests' fake OpenAI-compatible server in its own process; on exit, ``counts`` holds
    the calls it answered and the characters of the messages it received, by role."""

    def __init__(self, delay: float, *, summaries: bool = False) -> None:
        code = _SERVER.format(root=str(ROOT), delay=delay, summaries=summaries)
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        self.counts: dict[str, Any] = {}

    def __enter__(self) -> _Server:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        out = self.process.stdout.read().strip()
        if out:
            self.counts = json.loads(out.splitlines()[-1])


def _llm_run(
    delay: float, count: int, concurrency: int, folder: Path, *, remote: bool = True
) -> tuple[float, float, int, dict[str, Any]]:
    import briefer.engines.transport as transport

    # The fake server on 127.0.0.1 stands for a remote API (200 ms, 16 at once): briefer would
    # take it for a local single-slot model server and settle the mode with one request first.
    local = transport.is_local
    if remote:
        transport.is_local = lambda url: False  # type: ignore[assignment]
    try:
        return _llm_timed(delay, concurrency, folder)
    finally:
        transport.is_local = local  # type: ignore[assignment]


def _llm_timed(
    delay: float, concurrency: int, folder: Path
) -> tuple[float, float, int, dict[str, Any]]:
    from briefer.config import Settings
    from briefer.pipeline import summarize

    with _Server(delay) as server:
        settings = Settings(
            base_url=server.base_url,
            api_key="sk-bench",
            model="fake-model",
            use_cache=False,
            concurrency=concurrency,
            request_timeout=30.0,
        )
        cpu0, wall0 = time.process_time(), time.perf_counter()
        run = summarize(sorted(folder.iterdir()), settings)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        chunks = sum(len(d.chunks) for d in run.digests)
        assert not run.failures, run.failures[:3]
    return wall, cpu, chunks, server.counts


def bench_llm(count: int) -> None:
    print(f"\n## LLM path: {count} one-chunk articles, fake server in its own process")
    rng = random.Random(3)
    latency, concurrency = 0.2, 16
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(count):
            (folder / f"a{i:03d}.txt").write_text(article(rng, 600), encoding="utf-8")
        wall, _, chunks, _ = _llm_run(latency, count, concurrency, folder)
        ideal = chunks * latency / concurrency
        print(
            f"{chunks} chunks, latency {latency * 1000:.0f} ms, concurrency {concurrency}: "
            f"wall {wall:.2f} s, ideal {ideal:.2f} s"
        )
        row(
            "LLM path wall / ideal",
            f"{wall / ideal:.2f}x ({wall:.2f} s)",
            f"ideal {ideal:.2f} s = calls x latency / concurrency; target <= 1.3x",
            wall / ideal <= 1.3,
        )
        local, _, _, _ = _llm_run(latency, count, concurrency, folder, remote=False)
        print(
            f"the same server taken for a local one (the mode settled by one request first): "
            f"wall {local:.2f} s, {local / ideal:.2f}x"
        )
        wall0, cpu0, chunks0, _ = _llm_run(0.0, count, concurrency, folder)
        per_chunk = cpu0 / chunks0 * 1000
        print(f"zero latency: wall {wall0:.2f} s, client CPU {cpu0:.2f} s for {chunks0} chunks")
        row(
            "LLM path CPU per chunk (client)",
            f"{per_chunk:.1f} ms",
            "target <= 5 ms",
            per_chunk <= 5,
        )


def _langchain_map_reduce(folder: Path) -> dict[str, Any]:
    """LangChain's map_reduce summarize chain on each article, against the same fake server
    through its OpenAI-compatible chat model: what it sends, counted by the server."""
    import tiktoken
    from langchain_classic.chains.summarize import load_summarize_chain
    from langchain_core.documents import Document
    from langchain_openai import ChatOpenAI

    from briefer.tokenizer import get_encoding

    # The reduce step counts tokens with tiktoken, which would download the encoding by name:
    # hand it the offline one briefer builds.
    tiktoken.get_encoding = get_encoding  # type: ignore[assignment]
    with _Server(0.0, summaries=True) as server:
        model = ChatOpenAI(
            base_url=server.base_url, api_key="sk-bench", model="fake-model", max_retries=0
        )
        chain = load_summarize_chain(model, chain_type="map_reduce")
        for path in sorted(folder.iterdir()):
            text = path.read_text(encoding="utf-8")
            chain.invoke({"input_documents": [Document(page_content=text)]})
    return server.counts


def bench_prompt_chars(counts: tuple[int, ...]) -> None:
    print("\n## prompt characters: briefer against LangChain map_reduce, same articles and server")
    try:
        import langchain_classic  # noqa: F401
        import langchain_openai  # noqa: F401
    except ImportError:
        print("LangChain's summarize chain not installed (pip install -e '.[bench]'): skipped")
        row("LLM prompt characters vs LangChain map_reduce", "not measured", "", None)
        return
    results = []
    for count in counts:
        rng = random.Random(13 + count)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for i in range(count):
                (folder / f"a{i:03d}.txt").write_text(article(rng, 600), encoding="utf-8")
            article_chars = sum(len(p.read_text(encoding="utf-8")) for p in folder.iterdir())
            _, _, chunks, ours = _llm_run(0.0, count, 4, folder)
            theirs = _langchain_map_reduce(folder)
        ratio = ours["chars"] / theirs["chars"]
        results.append((count, ratio, ours["calls"]))
        print(
            f"{count} one-chunk articles ({article_chars / count:,.0f} characters each): "
            f"briefer {ours['chars'] / count:,.0f} characters per article in "
            f"{ours['calls']} calls (system {ours['roles'].get('system', 0) / ours['calls']:,.0f}"
            f" per call, user {ours['roles'].get('user', 0) / ours['calls']:,.0f}, of which "
            f"the article {article_chars / count:,.0f}); "
            f"LangChain map_reduce {theirs['chars'] / count:,.0f} in {theirs['calls']} calls "
            f"(map + reduce per article), of which the article {article_chars / count:,.0f}; "
            f"ratio {ratio:.2f}x"
        )
        print(
            f"  beyond the article itself: briefer {(ours['chars'] - article_chars) / count:,.0f}"
            f" characters per article, LangChain {(theirs['chars'] - article_chars) / count:,.0f}"
            " (its map instruction, then the reduce call with the map's summary)"
        )
    row(
        "LLM prompt characters per one-chunk article vs LangChain map_reduce",
        ", ".join(f"{c} articles: {r:.2f}x ({n} calls)" for c, r, n in results),
        "LangChain map_reduce, same articles and server; target <= 1.2x, one call per article",
        all(r <= 1.2 and n == c for (c, r, n) in results),
    )


# ---- 5. rendering -------------------------------------------------------------------------


def bench_render() -> None:
    from briefer.config import BriefConfig, Settings, SourceSpec
    from briefer.daily import run_daily
    from briefer.render import render_brief

    print("\n## a 200-article brief rendered to Markdown, HTML and PDF")
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for i in range(200):
            (folder / f"a{i:03d}.txt").write_text(article(rng, 500), encoding="utf-8")
        config = BriefConfig(
            output_dir=Path(tmp) / "out",
            formats=("json",),
            story_threshold=1.0,  # every article its own story: the heaviest brief
            max_stories=200,
            per_source_limit=200,
            max_top_risks=40,
            sources=(SourceSpec("path", (str(folder),)),),
        )
        result = run_daily(config, Settings(cache_path=Path(tmp) / "s.db"))
        brief = result.brief
        assert brief is not None
        total, parts = 0.0, []
        for fmt in ("md", "html", "pdf"):
            start = time.perf_counter()
            out = render_brief(brief, fmt)
            seconds = time.perf_counter() - start
            total += seconds
            extra = ""
            if fmt == "pdf":
                from io import BytesIO

                import pypdf

                assert isinstance(out, bytes)
                extra = f", {len(pypdf.PdfReader(BytesIO(out)).pages)} pages"
            parts.append(f"{fmt} {seconds:.2f} s{extra}")
        print(
            f"{len(brief.stories)} stories, {len(brief.top_risks)} top risks: " + ", ".join(parts)
        )
        row(
            "200-article brief to MD+HTML+PDF",
            f"{total:.2f} s ({'; '.join(parts)})",
            "limit 10 s",
            total <= 10,
        )


# ---- 6. a large day -----------------------------------------------------------------------

_SCALE = """
import json, sys, tempfile, time
sys.path.insert(0, {bench!r})
from pathlib import Path
from _day import generate
from briefer.cluster import pair_scores, story_groups
from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.dedup import duplicate_groups
n = {n}
day = generate(n, max(1, n // 7))
texts = [t for _, t, _ in day.articles]
start = time.perf_counter()
groups = duplicate_groups(texts, [u for _, _, u in day.articles])
dedup_s = time.perf_counter() - start
keep = [g[0] for g in groups]
start = time.perf_counter()
stories = story_groups([day.articles[i][:2] for i in keep])
cluster_s = time.perf_counter() - start
events = {{}}
for k, i in enumerate(keep):
    events.setdefault(day.event_of[i], []).append(k)
p, r = pair_scores(stories, list(events.values()))
out = dict(n=n, dedup=dedup_s, cluster=cluster_s, stories=len(stories), events=len(events),
           largest=max(map(len, stories)), precision=p, recall=r)
if {brief}:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for i, (title, text, _) in enumerate(day.articles):
            (folder / f"{{i:05d}}.txt").write_text(title + "\\n" + text + "\\n", encoding="utf-8")
        config = BriefConfig(output_dir=Path(tmp) / "out", formats=("md", "json"),
                             sources=(SourceSpec("path", (str(folder),)),),
                             per_source_limit=n, max_articles=n)
        start = time.perf_counter()
        run_daily(config, Settings(cache_path=Path(tmp) / "s.db"))
        out["brief"] = time.perf_counter() - start
# VmHWM is this process's own peak: ru_maxrss would carry the parent's peak over the exec.
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
out["rss_mb"] = int(hwm.split()[1]) / 1024
print(json.dumps(out))
"""


def _scale(n: int, brief: bool) -> dict[str, Any]:
    code = _SCALE.format(bench=str(Path(__file__).resolve().parent), n=n, brief=brief)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench_scale(sizes: tuple[int, ...], brief_sizes: tuple[int, ...]) -> None:
    print("\n## a generated day (n/7 events, 35 % near-copies): dedup, clustering, whole brief")
    results = {}
    for n in sizes:
        r = _scale(n, n in brief_sizes)
        results[n] = r
        brief = f", whole brief {r['brief']:.1f} s" if "brief" in r else ""
        print(
            f"n={n}: dedup {r['dedup']:.2f} s, clustering {r['cluster']:.2f} s -> "
            f"{r['stories']} stories for {r['events']} events (largest {r['largest']}), "
            f"pairwise precision {r['precision']:.3f} recall {r['recall']:.3f}{brief}; "
            f"peak RSS {r['rss_mb']:.0f} MB",
            flush=True,
        )
    small, large = min(results), max(results)
    grow = (results[large]["dedup"] + results[large]["cluster"]) / (
        results[small]["dedup"] + results[small]["cluster"]
    )
    row(
        f"dedup + clustering, {small:,} -> {large:,} articles",
        f"{grow:.2f}x time for {large / small:.0f}x articles; largest story "
        f"{results[large]['largest']}, precision {results[large]['precision']:.3f}",
        "linear: time ratio ~ size ratio",
        grow <= 1.3 * large / small,
    )
    for n in brief_sizes:
        r = results[n]
        row(
            f"brief, {n:,} articles (extractive)",
            f"{r['brief']:.1f} s, peak RSS {r['rss_mb']:.0f} MB",
            "limit 10,000 articles in 60 s and 1 GB"
            if n == 10000
            else f"{n / 10000:.1f}x of the 10,000-article day",
            (r["brief"] <= 60 * n / 10000 and r["rss_mb"] <= 1024) if n else None,
        )


def main() -> None:
    quick = "--quick" in sys.argv
    header("performance table (issue 14): every row against its peer or limit, one run")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    bench_chunking(5 if quick else 15)
    bench_extractive(60 if quick else 300)
    bench_startup(5 if quick else 15)
    bench_llm(50 if quick else 200)
    bench_prompt_chars((12, 48))
    bench_render()
    if quick:
        bench_scale((500, 1000), (1000,))
    else:
        bench_scale((1000, 5000, 10000), (10000,))
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")
    print("\n| measure | result | peer or limit | verdict |\n|---|---|---|---|")
    for measure, result, peer, verdict in ROWS:
        print(f"| {measure} | {result} | {peer} | {verdict} |")


if __name__ == "__main__":
    main()
