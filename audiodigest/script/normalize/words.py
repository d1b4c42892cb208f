"""Words: capitals, initialisms, mixed case and product names ("Qwen3-30B").

* Unknown words in capitals are spelled when they have at most four letters, no vowel (A E I O
  U), or open with three consonants no English word starts with (Y counting as a vowel:
  "SGLANG"); otherwise they are read as a word ("UNESCO", "FLOPS", "VARIANTS").
  A few short English words in capitals (THE, NEW, ...) are read as words. The lexicon overrides
  all of this. Plurals and possessives take "'s" on hyphenated letters ("LLMs" -> "L-L-M's",
  "the EU's" -> "the E-U's"; see passes._finish for why).
* Spelled letters come out dotted ("G.P.U"), also when a lexicon entry or hint writes them with
  spaces: espeak, which Piper uses, reads a lone "A" between spaced letters as the article "uh"
  ("R A G"), but reads "R.A.G" letter by letter; a dot inside a word does not end a sentence.
* A mixed-case word of two or three letters with two capitals is an initialism ("MoE",
  "IoT", "PhD" -> "M.O.E", "I.O.T", "P.H.D").
* Mixed-case words: camel-case names whose parts are capitalised words are left to the voice
  ("DeepSeek"); a run of capitals inside a word is looked up in the lexicon ("OpenAI" -> "Open
  A.I"), spelled when three or more letters ("ChatGPT") or when it starts the word ("LMArena"),
  and otherwise the word is read as one word ("DelTA" -> "Delta"), since Piper spells
  mixed-case names letter by letter.
* In product names four digits are read in pairs ("RTX 4090" -> "forty ninety"); a part that
  is a size says it ("Qwen3-30B" -> "Kwen three thirty billion", as "30B" alone does), any
  other size letter is a letter ("Mixtral-8x7B" -> "Mix-trahl eight by seven B").
"""

from __future__ import annotations

import re

from audiodigest.script.lexicon import Lexicon
from audiodigest.script.normalize.chars import LET, SHELF, E, W
from audiodigest.script.normalize.data import words
from audiodigest.script.normalize.numbers import decimal_words, pair_words, version_words

# Short English words that appear in capitals (headlines) and are not acronyms.
_CAPS_WORDS = words("caps_words")
# Three consonants that can start an English word: a word in capitals opening with any other
# run of three ("SGLANG", "MLPERF") is an acronym, one opening with these ("STRONG") is not.
_OPENING_CLUSTERS = words("opening_clusters")


def _pronounceable(word: str) -> bool:
    """Whether an unknown word in capitals is read as a word (see the module docstring)."""
    up = word.upper()
    if len(up) <= 4 or not any(c in "AEIOU" for c in up):
        return False
    opening = re.match(r"[^AEIOUY]{3,}", up)
    return opening is None or opening.group()[:3] in _OPENING_CLUSTERS and len(opening.group()) == 3


def is_shouting(text: str) -> bool:
    """A whole sentence in capitals with ordinary words in it ("THE CHIP WAR IS OVER")."""
    caps = re.findall(rf"(?<![{LET}])[A-Z]{{2,}}(?![{LET}])", text)
    return (not re.search("[a-z]", text) and len(caps) >= 3
            and any(w in _CAPS_WORDS or _pronounceable(w) for w in caps))


def spell(word: str) -> str:
    return ".".join(word.upper())


def dot_letters(spoken: str) -> str:
    """Runs of single capitals written with spaces ("R L H F") in the dotted form ("R.L.H.F").

    >>> dot_letters("the R A G step")
    'the R.A.G step'
    """
    return LETTER_RUN.sub(lambda m: m.group().replace(" ", "."), spoken)


def _acronym(word: str, lexicon: Lexicon) -> str:
    entry = lexicon.lookup(word)
    if entry is not None:
        return entry.spoken
    if word in _CAPS_WORDS or _pronounceable(word):
        return word[0] + word[1:].lower()
    return spell(word)


def _mixed(word: str, lexicon: Lexicon) -> str:
    """A mixed-case word ("OpenAI", "iPhone", "DelTA")."""
    if not word.isascii():
        return word
    short = re.fullmatch(r"([A-Za-z]{2,3}?)(s?)", word)
    if short and sum(c.isupper() for c in short.group(1)) >= 2:
        # "MoE", "IoT", "PhD", "CoT" (and "MoEs"): capitals that outnumber the letters between
        # them make an initialism; read as a word they would be "Moe", "Iot".
        return spell(short.group(1)) + ("'s" if short.group(2) else "")
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", word)
    if "".join(parts) != word:
        return word
    out: list[str] = []
    plain = True
    for i, part in enumerate(parts):
        if part.isupper() and (len(part) > 1 or i > 0):
            plain = False
            entry = lexicon.lookup(part)
            if entry is not None:
                out.append(entry.spoken)
            elif len(part) >= 3:
                out.append(_acronym(part, lexicon))
            elif i == 0:
                out.append(spell(part))  # "LMArena", "MLPerf": a prefix acronym
            else:
                # "DelTA": a short run of capitals is more likely a typing accident or styling
                # than an acronym; Piper would spell the whole word, so read it as one word.
                return word[0] + word[1:].lower()
        elif i == 0 and len(part) == 1 and part.islower():
            plain = False
            out.append(part.upper())  # "iPhone", "eBay"
        else:
            entry = lexicon.lookup(part)
            out.append(entry.spoken if entry is not None else part)
    return word if plain else " ".join(out)


def speak_word(word: str, lexicon: Lexicon, compound: bool = False, shouting: bool = False) -> str:
    """One run of letters (possibly with an apostrophe) as it should be said."""
    return dot_letters(_word_raw(word, lexicon, compound, shouting))


def _word_raw(word: str, lexicon: Lexicon, compound: bool, shouting: bool) -> str:
    if re.search(f"[{SHELF}]", word):
        return word
    entry = lexicon.lookup(word)
    if entry is not None:
        return entry.spoken
    if word.endswith("'s") and len(word) > 3 and "'" not in word[:-2]:
        # A possessive is said as its word is ("OpenAI's" -> "Open A.I's", "DeepSeek's").
        return _word_raw(word[:-2], lexicon, compound, shouting) + "'s"
    plural = re.fullmatch(r"([A-Z]{2,})('s|s)", word)
    if plural and not shouting and (len(plural.group(1)) <= 4 or not _pronounceable(plural.group(1))):
        return _acronym(plural.group(1), lexicon) + "'s"
    letters = word.replace("'", "")
    if shouting and letters.isupper():
        return word[0] + word[1:].lower()
    if len(letters) >= 2 and letters.isupper():
        return _acronym(word, lexicon) if "'" not in word else word[0] + word[1:].lower()
    if any(c.isupper() for c in letters[1:]) and any(c.islower() for c in letters):
        return _mixed(word, lexicon) if "'" not in word else word
    if (
        compound
        and len(word) >= 2
        and word.isascii()
        and word.islower()
        and not any(c in "aeiouy" for c in word)
    ):
        return spell(word)  # "gpt-4o"
    return word


def speak_compound(token: str, lexicon: Lexicon) -> str:
    """A product or version name mixing letters and digits ("Qwen3-30B", "GH200")."""
    found = list(re.finditer(rf"[{LET}{SHELF}]+|\d+(?:\.\d+)*", token))
    pieces = [m.group() for m in found]
    out: list[str] = []
    skip = False
    for i, piece in enumerate(pieces):
        prev = pieces[i - 1] if i else ""
        nxt = pieces[i + 1] if i + 1 < len(pieces) else ""
        if skip:
            skip = False
        elif piece[0].isdigit() and _is_size_part(token, found, i):
            # "Llama3-70B", "gpt-oss-120b": a part that is a model size says it as "70B" alone
            # does ("seventy billion"), whatever word came before it (a lexicon respelling too).
            out.append(f"{decimal_words(piece)} {_SIZE_WORDS[nxt.lower()]}")
            skip = True
        elif piece[0].isdigit():
            if "." in piece:
                spoken = version_words(piece)
            elif len(piece) == 4:
                spoken = pair_words(piece)
            else:
                spoken = decimal_words(piece)
            if out and out[-1].endswith("-"):
                out[-1] += spoken
            else:
                out.append(spoken)
        elif piece == "x" and prev[:1].isdigit() and nxt[:1].isdigit():
            out.append("by")  # "8x7B"
        elif piece == "s" and prev[:1].isdigit() and out:
            out[-1] += "'s"  # "H100s"
        elif piece == "A" and nxt[:1].isdigit():
            out.append("A-")  # espeak reads a lone "A" as the article; "A-one" as the letter
        else:
            out.append(speak_word(piece, lexicon, compound=True))
    return " " + " ".join(out) + " "


_SIZE_WORDS = {"m": "million", "b": "billion", "t": "trillion"}


def _is_size_part(token: str, found: list[re.Match[str]], i: int) -> bool:
    """Whether piece ``i`` (digits) and the next (M, B, T, or lower-case m, b) make up a whole
    hyphen-separated part of the token ("-70B", "-120b"): a model size, not a product letter."""
    if i + 1 >= len(found) or found[i + 1].group() not in ("M", "B", "T", "m", "b"):
        return False
    start, end = found[i].start(), found[i + 1].end()
    if found[i + 1].start() != found[i].end() or found[i].group().count(".") > 1:
        return False
    return (start == 0 or token[start - 1] == "-") and (end == len(token) or token[end] == "-")


LETTER_RUN = re.compile(r"(?<![\w'.-])[A-Z](?: [A-Z](?![\w-]|\.\w))+")
INITIALISM = re.compile(rf"(?<![{W}.])((?:[A-Za-z]\.)+[A-Za-z])\.?{E}")
COMPOUND = re.compile(
    rf"(?<![{W}])(?=[{W}.\-]*\d)(?=[{W}.\-]*[{LET}{SHELF}])"
    rf"[{W}]+(?:[.\-][{W}]+)*"
)
WORD = re.compile(rf"(?<![{LET}{SHELF}])[{LET}]+(?:'[{LET}]+)*(?![{LET}{SHELF}])")
