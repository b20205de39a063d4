using System;
using System.Linq;
using InstantIdAvatars.Text;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Text
{
    public sealed class PromptWeightingTests
    {
        static string Show(string prompt) =>
            string.Join(" | ", PromptWeighting.Parse(prompt).Select(f => f.IsBreak ? "BREAK" : f.Text + "@" + f.Weight.ToString("0.############", System.Globalization.CultureInfo.InvariantCulture)));

        // Expected values are A1111's parse_prompt_attention doctests, and hand-computed products of 1.1 and 1/1.1.
        [TestCase("an (important) word", "an @1 | important@1.1 |  word@1")]
        [TestCase("(unbalanced", "unbalanced@1.1")]
        [TestCase("\\(literal\\]", "(literal]@1")]
        [TestCase("(unnecessary)(parens)", "unnecessaryparens@1.1")]
        [TestCase("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
            "a @1 | house@1.573 |  @1.1 | on@1 |  a @1.1 | hill@0.55 | , sun, @1.1 | sky@1.4641 | .@1.1")]
        [TestCase("(word:1.3)", "word@1.3")]
        [TestCase("((a))", "a@1.21")]
        [TestCase("[a]", "a@0.909090909091")]
        [TestCase("[[a]]", "a@0.826446280992")]
        [TestCase("(a [b] c:1.5)", "a @1.5 | b@1.363636363636 |  c@1.5")]
        [TestCase("( spaced : 0.5 )", " spaced @0.5")]
        [TestCase("(neg:-1)", "neg@-1")]
        [TestCase("a)", "a)@1")]
        [TestCase("a]", "a]@1")]
        [TestCase("(a:abc)", "a:abc@1.1")]
        [TestCase("(a:1.2.3)", "a:1.2.3)@1.1")]
        [TestCase("plain: colon", "plain: colon@1")]
        [TestCase("\\\\ back \\", "\\ back @1")]
        [TestCase("", "@1")]
        [TestCase("a BREAK b", "a@1 | BREAK | b@1")]
        [TestCase("aBREAK b", "aBREAK b@1")]
        [TestCase("(x BREAK y)", "x@1.1 | BREAK | y@1.1")]
        public void Parse_MatchesA1111(string prompt, string expected)
        {
            Assert.That(Show(prompt), Is.EqualTo(expected));
        }

        [Test]
        public void Parse_NestedWeights_MultiplyInA1111Order()
        {
            var f = PromptWeighting.Parse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).");
            Assert.That(f[1].Weight, Is.EqualTo(1.3 * 1.1 * 1.1));
            Assert.That(f[7].Weight, Is.EqualTo(1.1 * 1.1 * 1.1 * 1.1));
        }

        [Test]
        public void Parse_BreakDisabled_KeepsWord()
        {
            Assert.That(PromptWeighting.Parse("a BREAK b", parseBreak: false).Single().Text, Is.EqualTo("a BREAK b"));
        }

        [TestCase("((((((((")]
        [TestCase("))))]]]][[[[")]
        [TestCase("(:)")]
        [TestCase("(:1.5")]
        [TestCase(":1.5)")]
        [TestCase("\\")]
        [TestCase("(a:1e400)")]
        [TestCase("(a:.)")]
        [TestCase("[(a:2]b)")]
        public void Parse_MalformedInput_DoesNotThrow(string prompt)
        {
            Assert.That(() => PromptWeighting.Parse(prompt), Throws.Nothing);
            Assert.That(() => PromptWeighting.Tokenize(ClipTokenizerTests.Tokenizer1, prompt, PromptWeightingMode.A1111), Throws.Nothing);
        }

        [Test]
        public void Tokenize_A1111_GivesPerTokenWeights()
        {
            var t = PromptWeighting.Tokenize(ClipTokenizerTests.Tokenizer1, "a photo of a (cat:1.5), [dog]", PromptWeightingMode.A1111);
            var chunk = t.Chunks.Single();
            Assert.That(chunk.Tokens, Is.EqualTo(new[] { 320, 1125, 539, 320, 2368, 267, 1929 }));
            Assert.That(chunk.Weights, Is.EqualTo(new[] { 1f, 1f, 1f, 1f, 1.5f, 1f, (float)(1 / 1.1) }));
            Assert.That(t.IsWeighted, Is.True);
        }

        [Test]
        public void Tokenize_None_TreatsBracketsAsText()
        {
            var tok = ClipTokenizerTests.Tokenizer1;
            var t = PromptWeighting.Tokenize(tok, "(masterpiece:1.2)", PromptWeightingMode.None);
            Assert.That(t.Chunks.Single().Tokens, Is.EqualTo(tok.Encode("(masterpiece:1.2)")));
            Assert.That(t.IsWeighted, Is.False);
        }

        [Test]
        public void Tokenize_None_LongPrompt_CutsConsecutive75TokenChunks()
        {
            var tok = ClipTokenizerTests.Tokenizer1;
            var prompt = string.Join(" ", Enumerable.Repeat("cat", 160));
            var t = PromptWeighting.Tokenize(tok, prompt, PromptWeightingMode.None);
            Assert.That(t.Chunks.Select(c => c.Tokens.Length), Is.EqualTo(new[] { 75, 75, 10 }));
            Assert.That(t.Chunks.SelectMany(c => c.Tokens), Is.EqualTo(tok.Encode(prompt)));
        }

        [Test]
        public void Tokenize_A1111_LongPrompt_BacktracksToComma()
        {
            // 70 × cat, comma, 10 × dog = 81 tokens. The chunk fills at the 4th dog; the comma is 5 tokens back
            // (≤ 20), so A1111 moves the dogs to the next chunk: 71 + 10.
            var prompt = string.Join(" ", Enumerable.Repeat("cat", 70)) + ", " + string.Join(" ", Enumerable.Repeat("dog", 10));
            var a1111 = PromptWeighting.Tokenize(ClipTokenizerTests.Tokenizer1, prompt, PromptWeightingMode.A1111);
            Assert.That(a1111.Chunks.Select(c => c.Tokens.Length), Is.EqualTo(new[] { 71, 10 }));
            Assert.That(a1111.Chunks[0].Tokens.Last(), Is.EqualTo(267));
            var noBacktrack = PromptWeighting.Tokenize(ClipTokenizerTests.Tokenizer1, prompt, PromptWeightingMode.A1111, commaBacktrack: 0);
            Assert.That(noBacktrack.Chunks.Select(c => c.Tokens.Length), Is.EqualTo(new[] { 75, 6 }));
        }

        [Test]
        public void Tokenize_A1111_BreakStartsNewChunk()
        {
            var tok = ClipTokenizerTests.Tokenizer1;
            var t = PromptWeighting.Tokenize(tok, "a cat BREAK a dog", PromptWeightingMode.A1111);
            Assert.That(t.Chunks.Select(c => c.Tokens), Is.EqualTo(new[] { tok.Encode("a cat"), tok.Encode("a dog") }));
        }

        [Test]
        public void Tokenize_EmptyPrompt_GivesOneEmptyChunk()
        {
            foreach (var mode in new[] { PromptWeightingMode.None, PromptWeightingMode.A1111 })
            {
                var t = PromptWeighting.Tokenize(ClipTokenizerTests.Tokenizer1, "", mode);
                Assert.That(t.Chunks.Count, Is.EqualTo(1));
                Assert.That(t.Chunks[0].Tokens, Is.Empty);
            }
        }

        [Test]
        public void ToModelInput_PadsMissingChunksAsEmptyPrompts()
        {
            var tok2 = ClipTokenizerTests.Tokenizer2;
            var t = PromptWeighting.Tokenize(tok2, "(cat:2)", PromptWeightingMode.A1111);
            var (ids, weights) = t.ToModelInput(tok2, 2);
            Assert.That(ids.Length, Is.EqualTo(154));
            Assert.That(ids.Take(4), Is.EqualTo(new[] { 49406, 2368, 49407, 0 }));
            Assert.That(ids.Skip(77).Take(3), Is.EqualTo(new[] { 49406, 49407, 0 }));
            Assert.That(weights[1], Is.EqualTo(2f));
            Assert.That(weights.Count(w => w != 1f), Is.EqualTo(1));
            Assert.That(() => t.ToModelInput(tok2, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        }
    }
}
