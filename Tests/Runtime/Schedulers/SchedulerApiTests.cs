using System;
using System.Linq;
using InstantIdAvatars.Schedulers;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Schedulers
{
    /// <summary>Config parsing, the factory, img2img helpers and error handling.</summary>
    public sealed class SchedulerApiTests
    {
        const string Version = SchedulerReference.Pinned;

        static string SdxlConfigText() => SchedulerReference.Json(Version)["sdxl_config"]!.ToString();

        [Test]
        public void Parse_ReadsSdxlSchedulerConfig()
        {
            var c = SchedulerConfig.Parse(SdxlConfigText());
            Assert.That(c.ClassName, Is.EqualTo("EulerDiscreteScheduler"));
            Assert.That(c.NumTrainTimesteps, Is.EqualTo(1000));
            Assert.That(c.BetaStart, Is.EqualTo(0.00085));
            Assert.That(c.BetaEnd, Is.EqualTo(0.012));
            Assert.That(c.BetaSchedule, Is.EqualTo(BetaSchedule.ScaledLinear));
            Assert.That(c.TimestepSpacing, Is.EqualTo(TimestepSpacing.Leading));
            Assert.That(c.StepsOffset, Is.EqualTo(1));
            Assert.That(c.PredictionType, Is.EqualTo(PredictionType.Epsilon));
            Assert.That(c.InterpolationType, Is.EqualTo(InterpolationType.Linear));
            Assert.That(c.UseKarrasSigmas, Is.False);
            Assert.That(c.ClipSample, Is.False);
            Assert.That(c.SetAlphaToOne, Is.False);
            Assert.That(c.TrainedBetas, Is.Null);
        }

        [Test]
        public void SdxlBase_EqualsTheParsedSdxlConfig()
        {
            var parsed = new EulerDiscreteScheduler(SchedulerConfig.Parse(SdxlConfigText()));
            var builtIn = new EulerDiscreteScheduler(SchedulerConfig.SdxlBase());
            parsed.SetTimesteps(30);
            builtIn.SetTimesteps(30);
            Assert.That(builtIn.Timesteps, Is.EqualTo(parsed.Timesteps));
            Assert.That(builtIn.Sigmas, Is.EqualTo(parsed.Sigmas));
            Assert.That(builtIn.InitNoiseSigma, Is.EqualTo(parsed.InitNoiseSigma));
        }

        [Test]
        public void Parse_IgnoresUnknownFieldsAndReadsDpmFields()
        {
            var c = SchedulerConfig.Parse(
                "{\"_diffusers_version\":\"0.35.2\",\"some_future_field\":[1,2],\"algorithm_type\":\"dpmsolver++\"," +
                "\"solver_order\":2,\"final_sigmas_type\":\"zero\",\"lambda_min_clipped\":-Infinity,\"use_karras_sigmas\":true," +
                "\"prediction_type\":\"v_prediction\",\"original_inference_steps\":50,\"timestep_scaling\":10.0,\"variance_type\":null}");
            Assert.That(c.AlgorithmType, Is.EqualTo(DpmAlgorithmType.DpmSolverPlusPlus));
            Assert.That(c.SolverOrder, Is.EqualTo(2));
            Assert.That(c.FinalSigmasType, Is.EqualTo(FinalSigmasType.Zero));
            Assert.That(c.LambdaMinClipped, Is.EqualTo(double.NegativeInfinity));
            Assert.That(c.UseKarrasSigmas, Is.True);
            Assert.That(c.PredictionType, Is.EqualTo(PredictionType.VPrediction));
            Assert.That(c.OriginalInferenceSteps, Is.EqualTo(50));
            Assert.That(c.TimestepScaling, Is.EqualTo(10.0));
        }

        [TestCase("{\"prediction_type\":\"x0\"}", "prediction_type")]
        [TestCase("{\"beta_schedule\":\"cosine\"}", "beta_schedule")]
        [TestCase("{\"timestep_spacing\":3}", "timestep_spacing")]
        [TestCase("{\"num_train_timesteps\":0}", "num_train_timesteps")]
        [TestCase("{\"num_train_timesteps\":1.5}", "num_train_timesteps")]
        [TestCase("{\"steps_offset\":\"1\"}", "steps_offset")]
        [TestCase("{\"use_karras_sigmas\":\"yes\"}", "use_karras_sigmas")]
        [TestCase("{\"final_sigmas_type\":\"denoise_to_zero\"}", "final_sigmas_type")]
        [TestCase("{\"beta_end\":-0.1}", "beta_end")]
        [TestCase("{\"trained_betas\":[0.1,\"a\"]}", "trained_betas")]
        [TestCase("{\"use_lu_lambdas\":true}", "use_lu_lambdas")]
        [TestCase("{\"use_exponential_sigmas\":true}", "use_exponential_sigmas")]
        public void Parse_BadValue_ThrowsNamingTheField(string json, string field)
        {
            var e = Assert.Throws<InstantIdException>(() => SchedulerConfig.Parse(json));
            Assert.That(e!.Message, Does.Contain("'" + field + "'"));
        }

        [Test]
        public void Parse_NotAnObject_Throws()
        {
            Assert.Throws<InstantIdException>(() => SchedulerConfig.Parse("[1,2]"));
            Assert.Throws<InstantIdException>(() => SchedulerConfig.Parse("{not json"));
        }

        [TestCaseSource(typeof(SchedulerReference), nameof(SchedulerReference.Cases))]
        public void EffectiveConfig_ReproducesTheVariantSchedule(string version, string variant)
        {
            // diffusers' fully resolved config (every default written out) must give the same tables.
            var reference = SchedulerReference.Variant(version, variant);
            var config = SchedulerConfig.FromJson((JObject)reference["effective_config"]!);
            var scheduler = SchedulerFactory.Create((string)reference["class"]!, config);
            scheduler.SetTimesteps(25);
            var expected = SchedulerReference.Floats(reference["tables"]!["25"]!["timesteps"]!);
            Assert.That(SchedulerReference.MaxScaledDiff(scheduler.Timesteps, expected), Is.LessThanOrEqualTo(2e-6));
            var sigmas = reference["tables"]!["25"]!["sigmas"];
            if (sigmas != null)
                Assert.That(SchedulerReference.MaxScaledDiff(SchedulerParityTests.SigmasOf(scheduler), SchedulerReference.Floats(sigmas)),
                    Is.LessThanOrEqualTo(1e-6));
        }

        [TestCase("euler", typeof(EulerDiscreteScheduler))]
        [TestCase("EulerDiscreteScheduler", typeof(EulerDiscreteScheduler))]
        [TestCase("euler_a", typeof(EulerAncestralDiscreteScheduler))]
        [TestCase("EulerAncestralDiscreteScheduler", typeof(EulerAncestralDiscreteScheduler))]
        [TestCase("dpmpp_2m", typeof(DpmSolverMultistepScheduler))]
        [TestCase("dpmpp_2m_karras", typeof(DpmSolverMultistepScheduler))]
        [TestCase("DPMSolverMultistepScheduler", typeof(DpmSolverMultistepScheduler))]
        [TestCase("ddim", typeof(DdimScheduler))]
        [TestCase("DDIMScheduler", typeof(DdimScheduler))]
        [TestCase("lcm", typeof(LcmScheduler))]
        [TestCase("LCMScheduler", typeof(LcmScheduler))]
        public void Create_MapsNamesToSchedulers(string name, Type expected) =>
            Assert.That(SchedulerFactory.Create(name, SchedulerConfig.SdxlBase()), Is.InstanceOf(expected));

        [Test]
        public void Create_ShortNamesApplyTheVariantOverrides()
        {
            // dpmpp_2m_karras on the SDXL config = the oracle's dpmpp_2m_karras variant.
            var scheduler = SchedulerFactory.Create("dpmpp_2m_karras", SchedulerConfig.SdxlBase());
            scheduler.SetTimesteps(8);
            var table = SchedulerReference.Variant(Version, "dpmpp_2m_karras")["tables"]!["8"]!;
            Assert.That(scheduler.Timesteps, Is.EqualTo(SchedulerReference.Floats(table["timesteps"]!)));

            var euler = SchedulerFactory.Create("euler_karras", SchedulerConfig.SdxlBase());
            euler.SetTimesteps(8);
            var eulerTable = SchedulerReference.Variant(Version, "euler_karras")["tables"]!["8"]!;
            Assert.That(SchedulerReference.MaxScaledDiff(euler.Timesteps, SchedulerReference.Floats(eulerTable["timesteps"]!)), Is.LessThanOrEqualTo(2e-6));
        }

        [Test]
        public void Create_NullNameUsesClassName() =>
            Assert.That(SchedulerFactory.Create(null, SchedulerConfig.Parse(SdxlConfigText())), Is.InstanceOf<EulerDiscreteScheduler>());

        [Test]
        public void Create_UnknownName_Throws()
        {
            var e = Assert.Throws<InstantIdException>(() => SchedulerFactory.Create("PNDMScheduler", SchedulerConfig.SdxlBase()));
            Assert.That(e!.Message, Does.Contain("dpmpp_2m_karras"));
        }

        [Test]
        public void Create_UnsupportedDpmOptions_Throw()
        {
            var sde = SchedulerConfig.SdxlBase();
            sde.AlgorithmType = DpmAlgorithmType.SdeDpmSolverPlusPlus;
            Assert.Throws<InstantIdException>(() => SchedulerFactory.Create("DPMSolverMultistepScheduler", sde));
            var third = SchedulerConfig.SdxlBase();
            third.SolverOrder = 3;
            Assert.Throws<InstantIdException>(() => SchedulerFactory.Create("DPMSolverMultistepScheduler", third));
        }

        [Test]
        public void DpmFinalSigma_DefaultsTo0251AndZeroMatches0352()
        {
            var config = SchedulerConfig.SdxlBase();
            var pinned = SchedulerFactory.Create("dpmpp_2m", config);
            pinned.SetTimesteps(30);
            Assert.That(((DpmSolverMultistepScheduler)pinned).Sigmas[30], Is.EqualTo(
                SchedulerReference.Floats(SchedulerReference.Variant(SchedulerReference.Pinned, "dpmpp_2m")["tables"]!["30"]!["sigmas"]!)[30]));
            Assert.That(((DpmSolverMultistepScheduler)pinned).Sigmas[30], Is.EqualTo(0.029167533f).Within(1e-8));
            config.FinalSigmasType = FinalSigmasType.Zero;
            var modern = SchedulerFactory.Create("dpmpp_2m", config);
            modern.SetTimesteps(30);
            Assert.That(((DpmSolverMultistepScheduler)modern).Sigmas[30], Is.EqualTo(0f));
        }

        [Test]
        public void GetImg2ImgTimesteps_TruncatesLikePython()
        {
            var scheduler = SchedulerFactory.Create("euler", SchedulerConfig.SdxlBase());
            scheduler.SetTimesteps(30);
            // int(30 * 0.7) == 21 in double precision (float32 strength would give 20), so 9 steps are skipped.
            var part = scheduler.GetImg2ImgTimesteps(0.7);
            Assert.That(part.StartIndex, Is.EqualTo(9));
            Assert.That(part.InferenceSteps, Is.EqualTo(21));
            Assert.That(part.Timesteps, Is.EqualTo(scheduler.Timesteps.Skip(9).ToArray()));
            Assert.That(part.LatentTimestep, Is.EqualTo(scheduler.Timesteps[9]));

            var full = scheduler.GetImg2ImgTimesteps(1.0);
            Assert.That(full.StartIndex, Is.EqualTo(0));
            Assert.That(full.InferenceSteps, Is.EqualTo(30));
            Assert.That(scheduler.GetImg2ImgTimesteps(0.5).StartIndex, Is.EqualTo(15));

            // Python's int() truncates: 100 * 0.57 = 56.99999999999999 → 56 steps kept.
            scheduler.SetTimesteps(100);
            Assert.That(scheduler.GetImg2ImgTimesteps(0.57).StartIndex, Is.EqualTo(44));
        }

        [Test]
        public void GetImg2ImgTimesteps_BadStrength_Throws()
        {
            var scheduler = SchedulerFactory.Create("euler", SchedulerConfig.SdxlBase());
            Assert.Throws<InstantIdException>(() => scheduler.GetImg2ImgTimesteps(0.5), "timesteps not set");
            scheduler.SetTimesteps(30);
            Assert.Throws<InstantIdException>(() => scheduler.GetImg2ImgTimesteps(1.5));
            Assert.Throws<InstantIdException>(() => scheduler.GetImg2ImgTimesteps(double.NaN));
            Assert.Throws<InstantIdException>(() => scheduler.GetImg2ImgTimesteps(0.01));
        }

        [Test]
        public void Euler_Img2Img_AddsNoiseAtTheStartSigmaAndScalesFromThere()
        {
            var scheduler = SchedulerFactory.Create("euler", SchedulerConfig.SdxlBase());
            scheduler.SetTimesteps(30);
            var part = scheduler.GetImg2ImgTimesteps(0.3);
            float sigma = SchedulerReference.Floats(SchedulerReference.Variant(Version, "euler")["tables"]!["30"]!["sigmas"]!)[part.StartIndex];
            var (x, noise) = Inputs();
            var noised = new float[x.Length];
            scheduler.AddNoise(x, noise, part.LatentTimestep, noised);
            for (int i = 0; i < x.Length; i++) Assert.That(noised[i], Is.EqualTo(x[i] + noise[i] * sigma));

            var scaled = new float[x.Length];
            scheduler.ScaleModelInput(noised, part.LatentTimestep, scaled);
            float scale = (float)Math.Sqrt(sigma * sigma + 1f);
            for (int i = 0; i < x.Length; i++) Assert.That(scaled[i], Is.EqualTo(noised[i] / scale));
        }

        [Test]
        public void Ddim_AddNoise_UsesAlphasCumprod()
        {
            var scheduler = SchedulerFactory.Create("ddim", SchedulerConfig.SdxlBase());
            scheduler.SetTimesteps(30);
            var part = scheduler.GetImg2ImgTimesteps(0.5);
            int t = (int)part.LatentTimestep;
            float ac = SchedulerReference.Npy(Version, "alphas_cumprod.npy").Data[t];
            var (x, noise) = Inputs();
            var noised = new float[x.Length];
            scheduler.AddNoise(x, noise, part.LatentTimestep, noised);
            float a = (float)Math.Sqrt(ac), b = (float)Math.Sqrt(1f - ac);
            for (int i = 0; i < x.Length; i++) Assert.That(noised[i], Is.EqualTo(a * x[i] + b * noise[i]));
        }

        [Test]
        public void Dpm_AddNoise_UsesAlphaAndSigmaOfTheStepSigma()
        {
            var scheduler = SchedulerFactory.Create("dpmpp_2m_karras", SchedulerConfig.SdxlBase());
            scheduler.SetTimesteps(30);
            var part = scheduler.GetImg2ImgTimesteps(0.4);
            float sigma = SchedulerReference.Floats(SchedulerReference.Variant(Version, "dpmpp_2m_karras")["tables"]!["30"]!["sigmas"]!)[part.StartIndex];
            float alpha = 1f / (float)Math.Sqrt(sigma * sigma + 1f), sigmaT = sigma * alpha;
            var (x, noise) = Inputs();
            var noised = new float[x.Length];
            scheduler.AddNoise(x, noise, part.LatentTimestep, noised);
            for (int i = 0; i < x.Length; i++) Assert.That(noised[i], Is.EqualTo(alpha * x[i] + sigmaT * noise[i]));
        }

        static (float[] X, float[] Noise) Inputs()
        {
            var x = SchedulerReference.Npy(Version, "x0.npy").Data;
            var noise = SchedulerReference.Npy(Version, "euler_ancestral_noise.npy").Data.AsSpan(0, x.Length).ToArray();
            return (x, noise);
        }

        [Test]
        public void Step_BeforeSetTimesteps_Throws()
        {
            var buffer = new float[4];
            foreach (var name in new[] { "euler", "euler_a", "dpmpp_2m", "ddim", "lcm" })
            {
                var s = SchedulerFactory.Create(name, SchedulerConfig.SdxlBase());
                Assert.Throws<InstantIdException>(() => s.Step(buffer, 999, buffer, new float[4], Span<float>.Empty, new RecordedNoise(new float[4])), name);
            }
        }

        [Test]
        public void StochasticSchedulers_WithoutNoise_Throw()
        {
            var buffer = new float[4];
            var a = SchedulerFactory.Create("euler_a", SchedulerConfig.SdxlBase());
            a.SetTimesteps(4);
            Assert.Throws<InstantIdException>(() => a.Step(buffer, a.Timesteps[0], buffer, new float[4], Span<float>.Empty, null));
            var lcm = SchedulerFactory.Create("lcm", SchedulerConfig.SdxlBase());
            lcm.SetTimesteps(4);
            Assert.Throws<InstantIdException>(() => lcm.Step(buffer, lcm.Timesteps[0], buffer, new float[4], Span<float>.Empty, null));
        }

        [Test]
        public void Lcm_MoreStepsThanOriginal_Throws()
        {
            var lcm = SchedulerFactory.Create("lcm", SchedulerConfig.SdxlBase());
            Assert.Throws<InstantIdException>(() => lcm.SetTimesteps(51));
        }

        [Test]
        public void Euler_UnknownTimestep_Throws()
        {
            var s = SchedulerFactory.Create("euler", SchedulerConfig.SdxlBase());
            s.SetTimesteps(8);
            var buffer = new float[4];
            Assert.Throws<InstantIdException>(() => s.ScaleModelInput(buffer, 500.5f, buffer));
        }

        [Test]
        public void SetTimesteps_BadStepCount_Throws()
        {
            var s = SchedulerFactory.Create("euler", SchedulerConfig.SdxlBase());
            Assert.Throws<InstantIdException>(() => s.SetTimesteps(0));
            Assert.Throws<InstantIdException>(() => s.SetTimesteps(1001));
        }

        [Test]
        public void Step_MismatchedBuffers_Throw()
        {
            var s = SchedulerFactory.Create("euler", SchedulerConfig.SdxlBase());
            s.SetTimesteps(8);
            Assert.Throws<ArgumentException>(() => s.Step(new float[4], s.Timesteps[0], new float[4], new float[3], Span<float>.Empty, null));
        }

        [Test]
        public void SetTimesteps_RestartsTheStepCounter()
        {
            // A second generation with the same instance must replay the first exactly.
            var s = SchedulerFactory.Create("dpmpp_2m_karras", SchedulerConfig.SdxlBase());
            var (x, eps) = Inputs();
            float[] Run()
            {
                s.SetTimesteps(4);
                var latents = (float[])x.Clone();
                var prev = new float[x.Length];
                foreach (var t in s.Timesteps)
                {
                    s.Step(eps, t, latents, prev, Span<float>.Empty, null);
                    Array.Copy(prev, latents, x.Length);
                }
                return latents;
            }
            Assert.That(Run(), Is.EqualTo(Run()));
        }
    }
}
