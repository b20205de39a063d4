using System.IO;
using InstantIdAvatars.Diffusion;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Diffusion
{
    public sealed class TorchCpuGeneratorTests
    {
        static float[] Values(JToken token)
        {
            var array = (JArray)token;
            var result = new float[array.Count];
            for (int i = 0; i < result.Length; i++) result[i] = (float)(double)array[i];
            return result;
        }

        [TestCase(42, "unet_step/x0_noise.npy")]
        [TestCase(42, "unet_step/loop_cfg_noise.npy")]
        [TestCase(7, "unet_step/loop_nocfg_noise.npy")]
        public void Fill_Latents1x4x8x8_MatchesTorchRandnBitExactly(int seed, string file)
        {
            var (expected, shape) = TestData.LoadNpy(TestData.Path("Reference/" + file));
            Assert.That(shape, Is.EqualTo(new[] { 1, 4, 8, 8 }));
            var actual = new TorchCpuGenerator(seed).Randn(expected.Length);
            Assert.That(actual, Is.EqualTo(expected));
        }

        [Test]
        public void Fill_SingleCalls_MatchTorchForScalarAndTailPaths()
        {
            var json = JObject.Parse(File.ReadAllText(TestData.Path("Reference/torch_randn/torch_randn_cases.json")));
            foreach (var item in (JArray)json["single_calls"]!)
            {
                long seed = (long)item["seed"]!;
                int count = (int)item["count"]!;
                var expected = Values(item["values"]!);
                var actual = new TorchCpuGenerator(seed).Randn(count);
                Assert.That(actual, Is.EqualTo(expected), $"seed {seed}, count {count}");
            }
        }

        [Test]
        public void Fill_SuccessiveCalls_MatchTorchIncludingCachedScalarSample()
        {
            var json = JObject.Parse(File.ReadAllText(TestData.Path("Reference/torch_randn/torch_randn_cases.json")));
            var generator = new TorchCpuGenerator((long)json["sequence_seed"]!);
            int call = 0;
            foreach (var item in (JArray)json["sequence"]!)
            {
                var expected = Values(item);
                Assert.That(generator.Randn(expected.Length), Is.EqualTo(expected), $"call {call++}");
            }
        }

        [Test]
        public void ManualSeed_RestartsTheSequence()
        {
            var generator = new TorchCpuGenerator(3);
            var first = generator.Randn(40);
            generator.Randn(1);
            generator.ManualSeed(3);
            Assert.That(generator.Randn(40), Is.EqualTo(first));
        }

        [Test]
        public void NextUInt32_MatchesReferenceMt19937()
        {
            // std::mt19937 seeded with 5489: the 10000th output is 4123659995 (C++ standard, [rand.predef]).
            var generator = new TorchCpuGenerator(5489);
            uint value = 0;
            for (int i = 0; i < 10000; i++) value = generator.NextUInt32();
            Assert.That(value, Is.EqualTo(4123659995u));
        }
    }
}
