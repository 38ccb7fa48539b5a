# Records what CPython's binascii.a2b_base64 (non-strict, as used by Keras'
# func_load through codecs.decode(s, "base64")) returns for tricky inputs,
# and what str.encode("raw_unicode_escape") gives. Written to
# testdata/base64/<major.minor>.json by gen.sh.
import binascii
import json
import sys

INPUTS = [
    "", "YQ==", "YWI=", "YWJj", "YWJjZA==", "YW\nJj", "Y W J j", "YWJj\n", "YQ==junk", "YQ==YWJj",
    "YQ=YWJj", "YWI==", "YWJj=", "=YWJj", "Y=WJj", "YW=Jj", "YWJ=j", "Y", "YW", "YWJ", "YWJjZ",
    "YWJjZA", "YWJjZA=", "YQ!=@=", "YQ=\n=", "YWJ*j", "-_-_", "YWJj====", "====", "YQ===", "Y\x00Q==",
    "4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwApAk7pAgAAAKkAKQHaAXhzAQAA\nACD6CDxzdHJpbmc++gg8bGFtYmRhPnIGAAAAAwAAAHMKAAAAgACIQZABiUWAAPMAAAAA\n",
]
UNICODE = [u"abc", u"\u00e9t\u00e9", u"\u20ac\u0001", u"\U0001f600x", u"\\u0041"]


def main():
    b64 = []
    for s in INPUTS:
        try:
            out = binascii.hexlify(binascii.a2b_base64(s.encode("latin-1"))).decode("ascii")
        except (binascii.Error, ValueError):
            out = None
        b64.append({"in": s, "out": out})
    raw = [{"in": s, "out": binascii.hexlify(s.encode("raw_unicode_escape")).decode("ascii")} for s in UNICODE]
    json.dump({"a2b_base64": b64, "raw_unicode_escape": raw}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


main()
