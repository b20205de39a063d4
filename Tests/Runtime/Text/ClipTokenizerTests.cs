using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using InstantIdAvatars.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Text
{
    public sealed class ClipTokenizerTests
    {
        static readonly Lazy<JObject> s_reference = new Lazy<JObject>(() =>
            JObject.Parse(File.ReadAllText(TestData.Path("Reference/tokenizer/tokens.json"))));

        internal static string Folder => TestData.Path("Reference/tokenizer");

        static readonly Lazy<ClipTokenizer> s_openAi1 = new Lazy<ClipTokenizer>(() => ClipTokenizer.FromFolder(Folder));
        static readonly Lazy<ClipTokenizer> s_openAi2 = new Lazy<ClipTokenizer>(() =>
            ClipTokenizer.FromFolder(Folder, ClipTokenizer.ExclamationPadToken));
        static readonly Lazy<ClipTokenizer> s_hf1 = new Lazy<ClipTokenizer>(() =>
            ClipTokenizer.FromFolder(Folder, ClipTokenizer.EndOfTextToken, ClipTextCleaning.HuggingFace));
        static readonly Lazy<ClipTokenizer> s_hf2 = new Lazy<ClipTokenizer>(() =>
            ClipTokenizer.FromFolder(Folder, ClipTokenizer.ExclamationPadToken, ClipTextCleaning.HuggingFace));

        internal static ClipTokenizer Tokenizer1 => s_openAi1.Value;
        internal static ClipTokenizer Tokenizer2 => s_openAi2.Value;

        public static IEnumerable<TestCaseData> Cases()
        {
            var cases = (JArray)s_reference.Value["cases"]!;
            for (int i = 0; i < cases.Count; i++)
                yield return new TestCaseData(i).SetName($"Reference case {i:00}: {Describe((string)cases[i]["prompt"]!)}");
        }

        static string Describe(string prompt)
        {
            var ascii = new string(prompt.Select(c => c >= ' ' && c < 127 ? c : '?').ToArray());
            return ascii.Length > 40 ? ascii.Substring(0, 40) + "…" : ascii;
        }

        static JObject Case(int i) => (JObject)s_reference.Value["cases"]![i]!;

        static int[] Ints(JToken token) => token.Select(t => (int)t).ToArray();

        [TestCaseSource(nameof(Cases))]
        public void OpenAiClipMode_MatchesSimpleTokenizer(int index)
        {
            var c = Case(index);
            var prompt = (string)c["prompt"]!;
            Assert.That(Tokenizer1.Clean(prompt), Is.EqualTo((string)c["cleaned"]!), "cleaned text");
            Assert.That(Tokenizer1.Encode(prompt), Is.EqualTo(Ints(c["ids"]!)), "ids");
            Assert.That(Tokenizer1.Encode(prompt).Select(Tokenizer1.TokenOf), Is.EqualTo(c["tokens"]!.Select(t => (string)t!)), "tokens");
            Assert.That(Tokenizer1.EncodeForModel(prompt), Is.EqualTo(Ints(c["input_ids_tokenizer1"]!)), "tokenizer 1 input_ids");
            Assert.That(Tokenizer2.EncodeForModel(prompt), Is.EqualTo(Ints(c["input_ids_tokenizer2"]!)), "tokenizer 2 input_ids");
        }

        [TestCaseSource(nameof(Cases))]
        public void HuggingFaceMode_MatchesClipTokenizer(int index)
        {
            var c = Case(index);
            var prompt = (string)c["prompt"]!;
            var cleaned = (string?)c["hf_cleaned"] ?? (string)c["cleaned"]!;
            var ids1 = Ints(c["input_ids_tokenizer1_hf"] ?? c["input_ids_tokenizer1"]!);
            var ids2 = Ints(c["input_ids_tokenizer2_hf"] ?? c["input_ids_tokenizer2"]!);
            Assert.That(s_hf1.Value.Clean(prompt), Is.EqualTo(cleaned), "cleaned text");
            if (c["ids_hf_no_html_unescape"] != null)
                Assert.That(s_hf1.Value.Encode(prompt), Is.EqualTo(Ints(c["ids_hf_no_html_unescape"]!)), "ids");
            Assert.That(s_hf1.Value.EncodeForModel(prompt), Is.EqualTo(ids1), "tokenizer 1 input_ids");
            Assert.That(s_hf2.Value.EncodeForModel(prompt), Is.EqualTo(ids2), "tokenizer 2 input_ids");
        }

        [Test]
        public void SpecialIds_AreClipsAndPadDependsOnTokenizer()
        {
            var r = s_reference.Value;
            Assert.That(Tokenizer1.BosTokenId, Is.EqualTo((int)r["bos"]!));
            Assert.That(Tokenizer1.EosTokenId, Is.EqualTo((int)r["eos"]!));
            Assert.That(Tokenizer1.PadTokenId, Is.EqualTo((int)r["pad_tokenizer1"]!));
            Assert.That(Tokenizer2.PadTokenId, Is.EqualTo((int)r["pad_tokenizer2"]!));
            Assert.That(Tokenizer1.VocabularySize, Is.EqualTo(49408));
        }

        [Test]
        public void EncodeForModel_APhotoOfACat_MatchesKnownHuggingFaceIds()
        {
            var ids = Tokenizer1.EncodeForModel("a photo of a cat");
            Assert.That(ids.Take(8), Is.EqualTo(new[] { 49406, 320, 1125, 539, 320, 2368, 49407, 49407 }));
            Assert.That(ids.Length, Is.EqualTo(77));
        }

        [Test]
        public void Frame_LongInput_KeepsEndTokenAtPosition76()
        {
            var ids = Enumerable.Range(1000, 100).ToArray();
            var framed = Tokenizer2.Frame(ids);
            Assert.That(framed.Length, Is.EqualTo(77));
            Assert.That(framed[0], Is.EqualTo(49406));
            Assert.That(framed.Skip(1).Take(75), Is.EqualTo(ids.Take(75)));
            Assert.That(framed[76], Is.EqualTo(49407));
        }

        [Test]
        public void Decode_RoundTripsCleanedText()
        {
            var text = "a café, 3 cats & 😀 emoji";
            Assert.That(Tokenizer1.Decode(Tokenizer1.Encode(text)), Is.EqualTo("a café , 3 cats & 😀 emoji "));
        }

        [Test]
        public void Clean_PythonLowerRules_FinalSigmaAndDottedI()
        {
            Assert.That(Tokenizer1.Clean("ΟΔΟΣ ΣΑΣ"), Is.EqualTo("οδος σας"));
            Assert.That(Tokenizer1.Clean("İstanbul"), Is.EqualTo("i\u0307stanbul"));
        }

        [Test]
        public void Clean_FtfyFixes_ControlCharsC1AndNumericEntities()
        {
            // C1 U+0093/U+0094 decode as Windows-1252 curly quotes, then uncurl; U+0007 is removed; &#233; → é.
            Assert.That(Tokenizer1.Clean("\u0093hi\u0094\u0007 caf&#233; &#x41;"), Is.EqualTo("\"hi\" café a"));
            // Python html.unescape keeps unknown names and decodes legacy names without ';' by longest prefix.
            Assert.That(Tokenizer1.Clean("<b> &notit; &nosuch; &#0;"), Is.EqualTo("<b> ¬it; &nosuch; \uFFFD"));
        }

        [Test]
        public void Encode_SupplementaryPlaneLetters_StayOneWordLikePython()
        {
            // U+20000 is a letter (Lo) outside the BMP: Python's \p{L}+ keeps "a𠀀b" as one pre-token.
            var ids = Tokenizer1.Encode("a\U00020000b");
            var split = Tokenizer1.Encode("a \U00020000 b");
            Assert.That(ids, Is.Not.EqualTo(split));
            Assert.That(Tokenizer1.TokenOf(ids[ids.Length - 1]), Does.EndWith("b</w>"));
            Assert.That(ids.Count(id => Tokenizer1.TokenOf(id).EndsWith("</w>", StringComparison.Ordinal)), Is.EqualTo(1));
        }

        [TestCase("\uFFFE\uFFFF\U0010FFFF\u0378 x")]
        [TestCase("lone \uD800 high and \uDC00 low")]
        [TestCase("&#xFFFE; &#55296; &#1114112; &#99999999999999999999; &#x; &; &#;")]
        [TestCase("\u001b[31mred\u001b[0m \r\n\u2028 \u0000")]
        [TestCase("<|startoftext|><|endoftext|><|endoftext")]
        public void Encode_HostileInput_DoesNotThrow(string text)
        {
            Assert.That(() => Tokenizer1.EncodeForModel(text), Throws.Nothing);
            Assert.That(() => s_hf2.Value.EncodeForModel(text), Throws.Nothing);
        }

        [Test]
        public void Clean_LoneSurrogatesAndAnsi_AreFixedAsFtfy()
        {
            Assert.That(Tokenizer1.Clean("a\uD800b \u001b[31mred\u001b[0m"), Is.EqualTo("a\uFFFDb red"));
        }

        [Test]
        public void Encode_VeryLongWord_Finishes()
        {
            var ids = Tokenizer1.Encode(new string('q', 20000));
            Assert.That(Tokenizer1.Decode(ids), Is.EqualTo(new string('q', 20000) + " "));
        }

        [Test]
        public void Encode_ParallelCalls_GiveIdenticalResults()
        {
            var fresh = ClipTokenizer.FromFolder(Folder);
            var prompts = ((JArray)s_reference.Value["cases"]!).Select(c => (string)c["prompt"]!).ToArray();
            var expected = prompts.Select(p => Tokenizer1.Encode(p)).ToArray();
            var results = new int[prompts.Length * 8][];
            Parallel.For(0, results.Length, i => results[i] = fresh.Encode(prompts[i % prompts.Length]));
            for (int i = 0; i < results.Length; i++)
                Assert.That(results[i], Is.EqualTo(expected[i % prompts.Length]));
        }

        [Test]
        public void FromStrings_BuildsWorkingTinyTokenizer()
        {
            var vocab = "{\"a\":0,\"b\":1,\"a</w>\":2,\"b</w>\":3,\"ab</w>\":4,\"<|startoftext|>\":5,\"<|endoftext|>\":6}";
            var ex = Assert.Throws<TokenizerLoadException>(() => ClipTokenizer.FromStrings(vocab, "#version: 0.2\na b</w>\n"));
            Assert.That(ex!.Message, Does.Contain("vocab.json"));
        }

        [Test]
        public void Constructor_MissingFile_ThrowsWithPath()
        {
            var ex = Assert.Throws<TokenizerLoadException>(() => new ClipTokenizer("/nonexistent/vocab.json", "/nonexistent/merges.txt"));
            Assert.That(ex!.Message, Does.Contain("/nonexistent/vocab.json"));
        }

        [Test]
        public void Constructor_MergeNotInVocab_Throws()
        {
            var vocabText = File.ReadAllText(System.IO.Path.Combine(Folder, "vocab.json"));
            var ex = Assert.Throws<TokenizerLoadException>(() => ClipTokenizer.FromStrings(vocabText, "#version: 0.2\nzzzq qqqz\n"));
            Assert.That(ex!.Message, Does.Contain("line 2"));
        }

        [Test]
        public void FromStrings_SameFilesAsFolder_GivesSameIds()
        {
            var t = ClipTokenizer.FromStrings(File.ReadAllText(System.IO.Path.Combine(Folder, "vocab.json")),
                File.ReadAllText(System.IO.Path.Combine(Folder, "merges.txt")));
            Assert.That(t.Encode("portrait of a woman, cinematic"), Is.EqualTo(Tokenizer1.Encode("portrait of a woman, cinematic")));
        }
    }
}
