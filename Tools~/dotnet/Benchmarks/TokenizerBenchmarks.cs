using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using BenchmarkDotNet.Attributes;
using InstantIdAvatars.Text;

namespace InstantIdAvatars.Benchmarks
{
    /// <summary>
    /// CLIP tokenizer throughput on 1 000 varied prompts (plain, A1111-weighted, long, punctuation, non-Latin, emoji).
    /// Cold = a fresh tokenizer (empty BPE word cache; loading excluded); Cached = the same tokenizer again.
    /// Tokens/s = <see cref="TotalTokens"/> ÷ mean time (printed at setup).
    /// Run: dotnet run -c Release --project Tools~/dotnet/Benchmarks -- --filter '*Tokenizer*'
    /// </summary>
    [MemoryDiagnoser]
    public class TokenizerBenchmarks
    {
        const int PromptCount = 1000;
        string _vocab = "";
        string _merges = "";
        string[] _prompts = Array.Empty<string>();
        ClipTokenizer _warm = null!;
        ClipTokenizer _cold = null!;

        /// <summary>Token count of one pass over all prompts.</summary>
        public static long TotalTokens { get; private set; }

        [GlobalSetup]
        public void Setup()
        {
            _vocab = File.ReadAllText(BenchmarkData.Path("Reference/tokenizer/vocab.json"));
            _merges = File.ReadAllText(BenchmarkData.Path("Reference/tokenizer/merges.txt"));
            _prompts = MakePrompts(PromptCount, seed: 1234);
            _warm = ClipTokenizer.FromStrings(_vocab, _merges);
            long total = 0;
            foreach (var p in _prompts) total += _warm.Encode(p).Length;
            TotalTokens = total;
            Console.WriteLine($"// {PromptCount} prompts, {TotalTokens} tokens per pass");
        }

        [IterationSetup(Target = nameof(EncodeCold))]
        public void NewTokenizer() => _cold = ClipTokenizer.FromStrings(_vocab, _merges);

        /// <summary>Every prompt through a fresh tokenizer: BPE runs for every distinct word.</summary>
        [Benchmark(OperationsPerInvoke = PromptCount)]
        public int EncodeCold()
        {
            int n = 0;
            foreach (var p in _prompts) n += _cold.Encode(p).Length;
            return n;
        }

        /// <summary>Every prompt through a tokenizer that has seen them: cleaning, pre-tokenising and cache lookups.</summary>
        [Benchmark(OperationsPerInvoke = PromptCount)]
        public int EncodeCached()
        {
            int n = 0;
            foreach (var p in _prompts) n += _warm.Encode(p).Length;
            return n;
        }

        /// <summary>A1111 parsing + chunking + framing for both tokenizers' inputs, warm cache.</summary>
        [Benchmark(OperationsPerInvoke = PromptCount)]
        public int TokenizeWeightedA1111()
        {
            int n = 0;
            foreach (var p in _prompts)
            {
                var t = PromptWeighting.Tokenize(_warm, p, PromptWeightingMode.A1111);
                n += t.ToModelInput(_warm, t.Chunks.Count).Ids.Length;
            }
            return n;
        }

        /// <summary>Building a tokenizer from vocab.json + merges.txt text (49 408 entries, 48 894 merges).</summary>
        [Benchmark]
        public int Load() => ClipTokenizer.FromStrings(_vocab, _merges).VocabularySize;

        static readonly string[] s_subjects =
        {
            "a woman", "an old man", "a young girl", "a knight", "an astronaut", "a cyberpunk hacker", "a wizard",
            "a samurai", "a cat", "a robot", "Claude Monet", "a viking warrior", "a street musician", "a chef",
        };

        static readonly string[] s_styles =
        {
            "portrait", "cinematic lighting", "highly detailed", "8k", "photorealistic", "oil painting", "watercolor",
            "studio photo", "35mm film", "bokeh", "golden hour", "volumetric fog", "octane render", "unreal engine 5",
            "sharp focus", "by Greg Rutkowski", "trending on artstation", "f/1.8", "85mm", "ISO 100", "Kodachrome",
        };

        static readonly string[] s_extras =
        {
            "café crème", "naïve façade", "Straße", "Ελληνικά", "русский", "日本語のプロンプト", "猫", "😀", "🚀",
            "don't", "it's", "we'll", "C3PO", "R2-D2", "&amp;", "“quoted”", "ﬁne", "ＡＢＣ", "1,000,000", "3.14159",
        };

        /// <summary>Deterministic varied prompts: subjects, styles, weights, brackets, extras; some over 75 tokens.</summary>
        static string[] MakePrompts(int count, int seed)
        {
            var rng = new Random(seed);
            var prompts = new string[count];
            var sb = new StringBuilder();
            for (int i = 0; i < count; i++)
            {
                sb.Clear();
                sb.Append(s_subjects[rng.Next(s_subjects.Length)]);
                int parts = rng.Next(i % 10 == 0 ? 30 : 3, i % 10 == 0 ? 45 : 12);
                for (int k = 0; k < parts; k++)
                {
                    sb.Append(", ");
                    string word = rng.Next(6) == 0 ? s_extras[rng.Next(s_extras.Length)] : s_styles[rng.Next(s_styles.Length)];
                    switch (rng.Next(8))
                    {
                        case 0: sb.Append('(').Append(word).Append(':').Append((0.5 + rng.NextDouble()).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)).Append(')'); break;
                        case 1: sb.Append("((").Append(word).Append("))"); break;
                        case 2: sb.Append('[').Append(word).Append(']'); break;
                        default: sb.Append(word); break;
                    }
                }
                if (rng.Next(20) == 0) sb.Append(" BREAK ").Append(s_styles[rng.Next(s_styles.Length)]);
                sb.Append(' ').Append(rng.Next(100000));
                prompts[i] = sb.ToString();
            }
            return prompts;
        }
    }
}
