using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace InstantIdAvatars.Text
{
    /// <summary>
    /// The text clean-up CLIP's tokenizers run before BPE: a port of the parts of ftfy 6.3.1 <c>fix_text</c> that
    /// matter for prompts, Python's <c>html.unescape</c>, CLIP's <c>whitespace_clean</c> and Python's <c>str.lower</c>.
    /// </summary>
    /// <remarks>
    /// Not ported: ftfy's mojibake repair (<c>fix_encoding</c>, which re-decodes text that looks like UTF-8 read as
    /// Windows-1252). Prompts typed or pasted in a game are valid Unicode, so only doubly-encoded text differs.
    /// </remarks>
    internal static class ClipTextCleaner
    {
        static readonly Dictionary<string, string> s_html5 = Pairs(TextCleanerTables.Html5Entities, "");
        static readonly Dictionary<string, string> s_ftfyEntities = BuildFtfyEntities();
        static readonly Dictionary<char, string> s_widthMap = BuildWidthMap();
        static readonly Dictionary<int, string> s_invalidCharRefs = BuildInvalidCharRefs();
        static readonly HashSet<int> s_invalidCodePoints = new HashSet<int>(TextCleanerTables.InvalidCodePoints);
        static readonly int s_longestHtml5Name = LongestKey(s_html5);

        // Python html._charref; [0-9] is ASCII-only as in Python.
        static readonly Regex s_pythonCharRef = new Regex(
            @"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)", RegexOptions.CultureInvariant);

        // ftfy chardata.HTML_ENTITY_RE.
        static readonly Regex s_ftfyEntity = new Regex(@"&#?[0-9A-Za-z]{1,24};", RegexOptions.CultureInvariant);

        // ftfy fixes.ANSI_RE (Python's \d is Unicode-aware like .NET's).
        static readonly Regex s_ansi = new Regex("\u001b\\[((?:\\d|;)*)([a-zA-Z])", RegexOptions.CultureInvariant);

        // ftfy's fix_c1_controls decodes U+0080..U+009F as "sloppy" Windows-1252: the five undefined bytes stay.
        static readonly string s_cp1252High =
            "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
            "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

        /// <summary>openai/CLIP <c>whitespace_clean(basic_clean(text)).lower()</c>, or Hugging Face's
        /// <c>whitespace_clean(ftfy.fix_text(text)).lower()</c> (no <c>html.unescape</c>).</summary>
        public static string Clean(string text, ClipTextCleaning mode)
        {
            var fixedText = FixText(text);
            if (mode == ClipTextCleaning.OpenAiClip)
                fixedText = PythonHtmlUnescape(PythonHtmlUnescape(fixedText));
            return PythonLower(WhitespaceClean(fixedText));
        }

        /// <summary>ftfy.fix_text with default settings, minus mojibake repair.</summary>
        public static string FixText(string text)
        {
            if (text.Length == 0 || IsPlainAscii(text)) return text;
            var sb = new StringBuilder(text.Length);
            bool unescape = true;
            int pos = 0;
            // ftfy fixes line by line; once a line holds a literal '<' it stops unescaping entities for the rest.
            while (pos < text.Length)
            {
                int nl = text.IndexOf('\n', pos);
                int end = nl < 0 ? text.Length : nl + 1;
                var segment = text.Substring(pos, end - pos);
                if (unescape && segment.IndexOf('<') >= 0) unescape = false;
                sb.Append(FixSegment(segment, unescape));
                pos = end;
            }
            return sb.ToString();
        }

        // Printable ASCII plus tab/newline, without '&': every ftfy fixer and NFC leave it unchanged.
        static bool IsPlainAscii(string text)
        {
            foreach (var c in text)
                if ((c < ' ' && c != '\t' && c != '\n') || c > '~' || c == '&') return false;
            return true;
        }

        static string FixSegment(string text, bool unescape)
        {
            // As ftfy.fix_and_explain: repeat the fixers until the text stops changing.
            for (int guard = 0; guard < 16; guard++)
            {
                var orig = text;
                if (unescape) text = FtfyUnescapeHtml(text);
                text = FixC1Controls(text);
                text = FixLigatures(text);
                text = FixCharacterWidth(text);
                text = UncurlQuotes(text);
                text = FixLineBreaks(text);
                text = FixSurrogates(text);
                if (text.IndexOf('\u001b') >= 0) text = s_ansi.Replace(text, "");
                text = RemoveControlChars(text);
                text = NormalizeC(text);
                if (text == orig) break;
            }
            return text;
        }

        /// <summary>
        /// NFC as Python's unicodedata.normalize. .NET (ICU) refuses strings with noncharacters such as U+FFFE or
        /// U+10FFFF, which Python passes through; those are kept as they are and the text around them normalised.
        /// </summary>
        static string NormalizeC(string text)
        {
            try { return text.Normalize(NormalizationForm.FormC); }
            catch (ArgumentException)
            {
                var result = new StringBuilder(text.Length);
                int start = 0;
                for (int i = 0; i < text.Length; i++)
                {
                    int cp = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
                    int width = cp > 0xFFFF ? 2 : 1;
                    bool nonCharacter = (cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF) || char.IsSurrogate(text[i]) && width == 1;
                    if (nonCharacter)
                    {
                        result.Append(SafeNormalize(text.Substring(start, i - start)));
                        result.Append(text, i, width);
                        start = i + width;
                    }
                    i += width - 1;
                }
                result.Append(SafeNormalize(text.Substring(start)));
                return result.ToString();
            }
        }

        static string SafeNormalize(string s)
        {
            try { return s.Normalize(NormalizationForm.FormC); }
            catch (ArgumentException) { return s; }
        }

        static string FtfyUnescapeHtml(string text)
        {
            if (text.IndexOf('&') < 0) return text;
            return s_ftfyEntity.Replace(text, m =>
            {
                var entity = m.Value;
                if (s_ftfyEntities.TryGetValue(entity, out var value)) return value;
                if (entity.StartsWith("&#", StringComparison.Ordinal))
                {
                    var decoded = PythonHtmlUnescape(entity);
                    // ftfy keeps the entity when html.unescape only decoded part of it.
                    return decoded.IndexOf(';') >= 0 ? entity : decoded;
                }
                return entity;
            });
        }

        static string FixC1Controls(string text)
        {
            StringBuilder? sb = null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c >= '\u0080' && c <= '\u009F')
                {
                    sb ??= new StringBuilder(text, 0, i, text.Length);
                    sb.Append(s_cp1252High[c - 0x80]);
                }
                else sb?.Append(c);
            }
            return sb?.ToString() ?? text;
        }

        static string FixLigatures(string text)
        {
            StringBuilder? sb = null;
            for (int i = 0; i < text.Length; i++)
            {
                var rep = Ligature(text[i]);
                if (rep != null)
                {
                    sb ??= new StringBuilder(text, 0, i, text.Length + 8);
                    sb.Append(rep);
                }
                else sb?.Append(text[i]);
            }
            return sb?.ToString() ?? text;
        }

        // ftfy chardata.LIGATURES.
        static string? Ligature(char c)
        {
            switch (c)
            {
                case '\u0132': return "IJ";
                case '\u0133': return "ij";
                case '\u0149': return "\u02BCn";
                case '\u01F1': return "DZ";
                case '\u01F2': return "Dz";
                case '\u01F3': return "dz";
                case '\u01C4': return "D\u017D";
                case '\u01C5': return "D\u017E";
                case '\u01C6': return "d\u017E";
                case '\u01C7': return "LJ";
                case '\u01C8': return "Lj";
                case '\u01C9': return "lj";
                case '\u01CA': return "NJ";
                case '\u01CB': return "Nj";
                case '\u01CC': return "nj";
                case '\uFB00': return "ff";
                case '\uFB01': return "fi";
                case '\uFB02': return "fl";
                case '\uFB03': return "ffi";
                case '\uFB04': return "ffl";
                case '\uFB05': return "\u017Ft";
                case '\uFB06': return "st";
                default: return null;
            }
        }

        static string FixCharacterWidth(string text)
        {
            StringBuilder? sb = null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if ((c == '\u3000' || (c >= '\uFF01' && c <= '\uFFEF')) && s_widthMap.TryGetValue(c, out var rep))
                {
                    sb ??= new StringBuilder(text, 0, i, text.Length);
                    sb.Append(rep);
                }
                else sb?.Append(c);
            }
            return sb?.ToString() ?? text;
        }

        static string UncurlQuotes(string text)
        {
            StringBuilder? sb = null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                char rep = c == '\u02BC' || (c >= '\u2018' && c <= '\u201B') ? '\''
                    : c >= '\u201C' && c <= '\u201F' ? '"' : '\0';
                if (rep != '\0')
                {
                    sb ??= new StringBuilder(text, 0, i, text.Length);
                    sb.Append(rep);
                }
                else sb?.Append(c);
            }
            return sb?.ToString() ?? text;
        }

        static string FixLineBreaks(string text)
        {
            if (text.IndexOf('\r') < 0 && text.IndexOf('\u2028') < 0 && text.IndexOf('\u2029') < 0 && text.IndexOf('\u0085') < 0)
                return text;
            return text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n')
                .Replace('\u0085', '\n');
        }

        // .NET strings hold UTF-16; a valid pair is already one code point, so only lone halves are replaced.
        static string FixSurrogates(string text)
        {
            StringBuilder? sb = null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                bool lone = false;
                if (char.IsHighSurrogate(c))
                {
                    if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb?.Append(c).Append(text[i + 1]);
                        i++;
                        continue;
                    }
                    lone = true;
                }
                else if (char.IsLowSurrogate(c)) lone = true;
                if (lone)
                {
                    sb ??= new StringBuilder(text, 0, i, text.Length);
                    sb.Append('\uFFFD');
                }
                else sb?.Append(c);
            }
            return sb?.ToString() ?? text;
        }

        // ftfy chardata._build_control_char_mapping.
        static bool IsRemovedControl(char c) =>
            c <= '\u0008' || c == '\u000B' || (c >= '\u000E' && c <= '\u001F') || c == '\u007F'
            || (c >= '\u206A' && c <= '\u206F') || c == '\uFEFF' || (c >= '\uFFF9' && c <= '\uFFFC');

        static string RemoveControlChars(string text)
        {
            StringBuilder? sb = null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (IsRemovedControl(c)) sb ??= new StringBuilder(text, 0, i, text.Length);
                else sb?.Append(c);
            }
            return sb?.ToString() ?? text;
        }

        /// <summary>Python 3.11 <c>html.unescape</c>: HTML5 named and numeric character references.</summary>
        public static string PythonHtmlUnescape(string text)
        {
            if (text.IndexOf('&') < 0) return text;
            return s_pythonCharRef.Replace(text, m => ReplaceCharRef(m.Groups[1].Value));
        }

        static string ReplaceCharRef(string s)
        {
            if (s[0] == '#')
            {
                bool hex = s.Length > 1 && (s[1] == 'x' || s[1] == 'X');
                var digits = s.Substring(hex ? 2 : 1).TrimEnd(';');
                long num = 0;
                foreach (var ch in digits)
                {
                    int d = ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
                    num = num * (hex ? 16 : 10) + d;
                    if (num > 0x10FFFF) { num = 0x110000; }
                }
                if (s_invalidCharRefs.TryGetValue((int)num, out var rep)) return rep;
                if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return "\uFFFD";
                if (s_invalidCodePoints.Contains((int)num)) return "";
                return char.ConvertFromUtf32((int)num);
            }
            if (s_html5.TryGetValue(s, out var named)) return named;
            // Longest entity name that prefixes s (only the legacy names without ';' can match this way).
            for (int x = Math.Min(s.Length - 1, s_longestHtml5Name); x > 1; x--)
            {
                if (s_html5.TryGetValue(s.Substring(0, x), out var prefix)) return prefix + s.Substring(x);
            }
            return "&" + s;
        }

        /// <summary>Python's <c>str.isspace</c> (what <c>\s</c> matches in Python's <c>re</c> for str patterns).</summary>
        public static bool IsPythonSpace(char c)
        {
            if (c <= '\u0020') return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\u001C' && c <= '\u001F');
            if (c == '\u0085' || c == '\u00A0' || c == '\u1680' || c == '\u2028' || c == '\u2029'
                || c == '\u202F' || c == '\u205F' || c == '\u3000')
                return true;
            return c >= '\u2000' && c <= '\u200A';
        }

        /// <summary>CLIP's <c>whitespace_clean</c>: runs of whitespace become one space, then strip.</summary>
        public static string WhitespaceClean(string text)
        {
            var sb = new StringBuilder(text.Length);
            bool pendingSpace = false;
            foreach (var c in text)
            {
                if (IsPythonSpace(c)) { pendingSpace = sb.Length > 0; continue; }
                if (pendingSpace) { sb.Append(' '); pendingSpace = false; }
                sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>Python's <c>str.lower</c>: full case mapping for U+0130 and the Greek final sigma rule,
        /// otherwise the simple invariant mapping.</summary>
        public static string PythonLower(string text)
        {
            var lower = text.ToLowerInvariant();
            if (text.IndexOf('\u0130') < 0 && text.IndexOf('\u03A3') < 0) return lower;
            var sb = new StringBuilder(text.Length + 4);
            int j = 0; // index into lower (same length as text: .NET lowercasing is 1:1 in UTF-16 units)
            for (int i = 0; i < text.Length; i++, j++)
            {
                char c = text[i];
                if (c == '\u0130') sb.Append("i\u0307");
                else if (c == '\u03A3') sb.Append(IsFinalSigma(text, i) ? '\u03C2' : '\u03C3');
                else sb.Append(lower[j]);
            }
            return sb.ToString();
        }

        static bool IsFinalSigma(string text, int i)
        {
            int k = i - 1;
            while (k >= 0 && IsCaseIgnorable(text[k])) k--;
            if (k < 0 || !IsCased(text[k])) return false;
            k = i + 1;
            while (k < text.Length && IsCaseIgnorable(text[k])) k++;
            return k >= text.Length || !IsCased(text[k]);
        }

        static bool IsCased(char c)
        {
            var cat = CharUnicodeInfo.GetUnicodeCategory(c);
            return cat == UnicodeCategory.UppercaseLetter || cat == UnicodeCategory.LowercaseLetter
                || cat == UnicodeCategory.TitlecaseLetter;
        }

        static bool IsCaseIgnorable(char c)
        {
            if (c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == '\u00AD' || c == '\u2019') return true;
            var cat = CharUnicodeInfo.GetUnicodeCategory(c);
            return cat == UnicodeCategory.NonSpacingMark || cat == UnicodeCategory.EnclosingMark
                || cat == UnicodeCategory.Format || cat == UnicodeCategory.ModifierLetter
                || cat == UnicodeCategory.ModifierSymbol;
        }

        static Dictionary<string, string> Pairs(string[] flat, string keyPrefix)
        {
            var d = new Dictionary<string, string>(flat.Length / 2, StringComparer.Ordinal);
            for (int i = 0; i < flat.Length; i += 2) d[keyPrefix + flat[i]] = flat[i + 1];
            return d;
        }

        static Dictionary<string, string> BuildFtfyEntities()
        {
            // ftfy chardata._build_html_entities: every html5 name that ends in ';', plus the upper-cased extras.
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            var html5 = TextCleanerTables.Html5Entities;
            for (int i = 0; i < html5.Length; i += 2)
                if (html5[i].EndsWith(";", StringComparison.Ordinal)) d["&" + html5[i]] = html5[i + 1];
            var upper = TextCleanerTables.FtfyUpperEntities;
            for (int i = 0; i < upper.Length; i += 2) d["&" + upper[i]] = upper[i + 1];
            return d;
        }

        static Dictionary<char, string> BuildWidthMap()
        {
            var flat = TextCleanerTables.FtfyWidthMap;
            var d = new Dictionary<char, string>(flat.Length / 2);
            for (int i = 0; i < flat.Length; i += 2) d[flat[i][0]] = flat[i + 1];
            return d;
        }

        static Dictionary<int, string> BuildInvalidCharRefs()
        {
            var d = new Dictionary<int, string>();
            foreach (var (cp, text) in TextCleanerTables.InvalidCharRefs) d[cp] = text;
            return d;
        }

        static int LongestKey(Dictionary<string, string> d)
        {
            int max = 0;
            foreach (var k in d.Keys) max = Math.Max(max, k.Length);
            return max;
        }
    }
}
