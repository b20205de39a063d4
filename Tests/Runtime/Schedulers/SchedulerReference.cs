using System;
using System.Collections.Generic;
using System.IO;
using InstantIdAvatars.Schedulers;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace InstantIdAvatars.Tests.Schedulers
{
    /// <summary>Reads Tests/Fixtures/Reference/schedulers/diffusers-{version}/ (see shared/reference/README.md §2).</summary>
    internal static class SchedulerReference
    {
        public const string Pinned = "0.25.1";
        public const string Modern = "0.35.2";
        /// <summary>Extra 0.25.1 runs made by Tools~/reference/make_scheduler_extras.py: v_prediction, linspace /
        /// trailing spacing, Heun.</summary>
        public const string PinnedExtras = "0.25.1-extras";
        public static readonly string[] Versions = { Pinned, Modern, PinnedExtras };
        public static readonly string[] StepCounts = { "1", "4", "8", "25", "30" };

        static readonly Dictionary<string, JObject> _cache = new Dictionary<string, JObject>();

        public static string Folder(string version) => TestData.Path("Reference/schedulers/diffusers-" + version);

        public static JObject Json(string version)
        {
            lock (_cache)
            {
                if (!_cache.TryGetValue(version, out var json))
                {
                    using var reader = new JsonTextReader(new StringReader(File.ReadAllText(Path.Combine(Folder(version), "schedulers.json"))))
                    { FloatParseHandling = FloatParseHandling.Double };
                    json = JObject.Load(reader);
                    _cache[version] = json;
                }
                return json;
            }
        }

        public static JObject Variant(string version, string variant) => (JObject)Json(version)["variants"]![variant]!;

        public static IEnumerable<string> VariantNames(string version)
        {
            foreach (var p in (JObject)Json(version)["variants"]!) yield return p.Key;
        }

        /// <summary>Every (version, variant) pair in the fixtures, as NUnit test cases.</summary>
        public static IEnumerable<object[]> Cases()
        {
            foreach (var version in Versions)
                foreach (var variant in VariantNames(version))
                    yield return new object[] { version, variant };
        }

        /// <summary>The oracle's config: SDXL base scheduler_config.json + the variant's overrides, as
        /// <c>Class.from_config</c>. For diffusers 0.35.2 DPM-Solver the modern default final_sigmas_type "zero" is
        /// set explicitly (this port defaults to the pinned 0.25.1 behaviour).</summary>
        public static (string ClassName, SchedulerConfig Config) Config(string version, string variant)
        {
            var json = Json(version);
            var cfg = (JObject)json["sdxl_config"]!.DeepClone();
            var v = Variant(version, variant);
            foreach (var p in (JObject)v["overrides"]!) cfg[p.Key] = p.Value!.DeepClone();
            var className = (string)v["class"]!;
            if (version == Modern && className == "DPMSolverMultistepScheduler")
                cfg["final_sigmas_type"] = (string)v["effective_config"]!["final_sigmas_type"]!;
            return (className, SchedulerConfig.FromJson(cfg));
        }

        public static IScheduler Create(string version, string variant)
        {
            var (className, config) = Config(version, variant);
            return SchedulerFactory.Create(className, config);
        }

        public static float[] Floats(JToken token)
        {
            var array = (JArray)token;
            var result = new float[array.Count];
            for (int i = 0; i < result.Length; i++) result[i] = (float)(double)array[i];
            return result;
        }

        public static (float[] Data, int[] Shape) Npy(string version, string file) =>
            TestData.LoadNpy(Path.Combine(Folder(version), file));

        /// <summary>Largest |a-b| / max(1, |b|) — absolute for small values, relative for large sigmas.</summary>
        public static double MaxScaledDiff(IReadOnlyList<float> actual, IReadOnlyList<float> expected)
        {
            if (actual.Count != expected.Count) throw new ArgumentException($"length {actual.Count} != {expected.Count}");
            double max = 0;
            for (int i = 0; i < actual.Count; i++)
                max = Math.Max(max, Math.Abs((double)actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i])));
            return max;
        }
    }

    /// <summary>Replays the noise the oracle's scheduler drew, in order.</summary>
    internal sealed class RecordedNoise : INoiseSource
    {
        readonly float[] _data;
        int _offset;

        public RecordedNoise(float[] data) => _data = data;

        /// <summary>How many values have been consumed.</summary>
        public int Consumed => _offset;

        public void Fill(Span<float> destination)
        {
            if (_offset + destination.Length > _data.Length)
                throw new InvalidOperationException("the scheduler asked for more noise than the reference run drew");
            _data.AsSpan(_offset, destination.Length).CopyTo(destination);
            _offset += destination.Length;
        }
    }
}
