using System;
using System.IO;
using System.Threading;
using InstantIdAvatars.Diffusion;
using InstantIdAvatars.Schedulers;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Diffusion
{
    /// <summary>
    /// The InstantID denoising loop through the tiny models against the upstream pipeline's loop (diffusers 0.25.1,
    /// unet_step.json → loops): every step's latents, the VAE output and the final PNG.
    /// </summary>
    public sealed class InstantIdDenoiserTests
    {
        const float Tolerance = 1e-4f;
        static readonly JObject Json = JObject.Parse(File.ReadAllText(TestData.Path("Reference/unet_step/unet_step.json")));

        TinyRunners _runners = null!;

        [OneTimeSetUp]
        public void Open() => _runners = new TinyRunners();

        [OneTimeTearDown]
        public void Close() => _runners.Dispose();

        InstantIdDenoiser Denoiser() => _runners.Denoiser();

        static EulerDiscreteScheduler Euler() => TinyRunners.Euler();

        /// <summary>The loop's request from the step inputs (rows as unet_step.json says) and the loop's settings.</summary>
        internal static DenoiseRequest LoopRequest(string loop)
        {
            var settings = (JObject)Json["loops"]![loop]!;
            bool cfg = (bool)settings["do_classifier_free_guidance"]!;
            var prompt = StepFixture.Load("prompt_embeds");
            var pooled = StepFixture.Load("text_embeds");
            var tokens = StepFixture.Load("image_tokens");
            var request = new DenoiseRequest
            {
                Width = 64,
                Height = 64,
                Steps = (int)settings["steps"]!,
                GuidanceScale = (float)settings["guidance_scale"]!,
                PromptEmbeds = StepFixture.Row(prompt, 2, 1),
                PooledPromptEmbeds = StepFixture.Row(pooled, 2, 1),
                IdentityTokens = StepFixture.Row(tokens, 2, 1),
                ControlImage = StepFixture.Row(StepFixture.Load("control_image"), 2, 0),
                ControlNetScale = (float)settings["controlnet_conditioning_scale"]!,
                ControlGuidanceStart = (float)settings["control_guidance_start"]!,
                ControlGuidanceEnd = (float)settings["control_guidance_end"]!,
                IpAdapterScale = (float)settings["ip_adapter_scale"]!,
                Seed = (long)settings["noise_seed"]!,
            };
            if (cfg)
            {
                request.NegativePromptEmbeds = StepFixture.Row(prompt, 2, 0);
                request.NegativePooledPromptEmbeds = StepFixture.Row(pooled, 2, 0);
                request.UnconditionalIdentityTokens = StepFixture.Row(tokens, 2, 0);
            }
            return request;
        }

        [TestCase("loop_cfg")]
        [TestCase("loop_nocfg")]
        public void Run_MatchesPipelineLoopStepByStep(string loop)
        {
            var settings = (JObject)Json["loops"]![loop]!;
            var (perStep, shape) = StepFixture.LoadWithShape(loop + "_latents_per_step");
            int n = shape[0], size = perStep.Length / n;
            var expectedTimesteps = ((JArray)settings["timesteps"]!).ToObject<float[]>()!;
            var seenTimesteps = new float[n];
            var errors = new float[n];
            int calls = 0;
            var result = Denoiser().Run(LoopRequest(loop), Euler(), p =>
            {
                seenTimesteps[p.Step] = p.Timestep;
                errors[p.Step] = TestData.MaxAbsDiff(p.Latents.Span, perStep.AsSpan(p.Step * size, size));
                Assert.That(p.TotalSteps, Is.EqualTo(n));
                calls++;
            });
            Assert.That(calls, Is.EqualTo(n));
            Assert.That(seenTimesteps, Is.EqualTo(expectedTimesteps));
            TestContext.WriteLine($"{loop}: per-step max abs error {string.Join(", ", errors)}");
            Assert.That(errors, Has.All.LessThanOrEqualTo(Tolerance));
            float vaeError = TestData.MaxAbsDiff(result.Decoded, StepFixture.Load(loop + "_vae_decoded"));
            TestContext.WriteLine($"{loop}: vae max abs error {vaeError}");
            Assert.That(vaeError, Is.LessThanOrEqualTo(Tolerance));

            using var expected = Image.Load<Rgb24>(TestData.Path("Reference/unet_step/" + loop + "_image.png"));
            using var actual = result.ToImage();
            Assert.That((actual.Width, actual.Height), Is.EqualTo((64, 64)));
            int maxLevel = 0, differing = 0;
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                {
                    var a = actual[x, y];
                    var e = expected[x, y];
                    int d = Math.Max(Math.Abs(a.R - e.R), Math.Max(Math.Abs(a.G - e.G), Math.Abs(a.B - e.B)));
                    if (d > 0) differing++;
                    maxLevel = Math.Max(maxLevel, d);
                }
            TestContext.WriteLine($"{loop}: PNG pixels differing {differing}, max level difference {maxLevel}");
            // Values within 1e-4 of a rounding boundary (x·127.5+127.5 ≈ k+0.5) may land one level apart.
            Assert.That(maxLevel, Is.LessThanOrEqualTo(1));
        }

        [Test]
        public void Run_SameSeedGivesIdenticalImage()
        {
            var first = Denoiser().Run(LoopRequest("loop_nocfg"), Euler());
            var second = Denoiser().Run(LoopRequest("loop_nocfg"), Euler());
            Assert.That(second.Rgb, Is.EqualTo(first.Rgb));
            Assert.That(second.Latents, Is.EqualTo(first.Latents));
        }

        [Test]
        public void Run_SeedAndEqualCallerNoiseAgree()
        {
            var bySeed = Denoiser().Run(LoopRequest("loop_nocfg"), Euler());
            var request = LoopRequest("loop_nocfg");
            request.Seed = 12345;
            request.InitialNoise = StepFixture.Load("loop_nocfg_noise");
            var byNoise = Denoiser().Run(request, Euler());
            Assert.That(byNoise.Latents, Is.EqualTo(bySeed.Latents));
        }

        [Test]
        public void Run_GuidanceOneIgnoresNegativesAndRunsOneRow()
        {
            var plain = Denoiser().Run(LoopRequest("loop_nocfg"), Euler());
            var request = LoopRequest("loop_nocfg");
            var poison = new float[request.PromptEmbeds.Length];
            Array.Fill(poison, float.NaN);
            request.NegativePromptEmbeds = poison;
            request.NegativePooledPromptEmbeds = new float[request.PooledPromptEmbeds.Length];
            request.UnconditionalIdentityTokens = new float[request.IdentityTokens.Length];
            var result = Denoiser().Run(request, Euler());
            Assert.That(result.Latents, Is.EqualTo(plain.Latents));
            Assert.That(InstantIdDenoiser.UsesGuidance(1f), Is.False);
            Assert.That(InstantIdDenoiser.UsesGuidance(1.01f), Is.True);
        }

        [Test]
        public void Run_ControlNetScaleZeroEqualsNoControlNetWindow()
        {
            var zeroScale = LoopRequest("loop_nocfg");
            zeroScale.ControlNetScale = 0f;
            var emptyWindow = LoopRequest("loop_nocfg");
            emptyWindow.ControlGuidanceStart = 0.99f; // i/n < 0.99 for every step: never kept
            var a = Denoiser().Run(zeroScale, Euler());
            var b = Denoiser().Run(emptyWindow, Euler());
            Assert.That(a.Latents, Is.EqualTo(b.Latents));
            var withControl = Denoiser().Run(LoopRequest("loop_nocfg"), Euler());
            Assert.That(TestData.MaxAbsDiff(a.Latents, withControl.Latents), Is.GreaterThan(1e-3f));
        }

        [Test]
        public void Run_CancelledBetweenStepsThrows()
        {
            using var cancel = new CancellationTokenSource();
            int calls = 0;
            Assert.That(() => Denoiser().Run(LoopRequest("loop_cfg"), Euler(), p =>
            {
                calls++;
                if (p.Step == 1) cancel.Cancel();
            }, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(calls, Is.EqualTo(2));
        }

        [Test]
        public void Run_WithGuidanceButNoNegativesSaysWhatIsMissing()
        {
            var request = LoopRequest("loop_nocfg");
            request.GuidanceScale = 5f;
            Assert.That(() => Denoiser().Run(request, Euler()),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("NegativePromptEmbeds"));
        }

        [Test]
        public void Run_PreviewHasLatentResolution()
        {
            var request = LoopRequest("loop_nocfg");
            request.Preview = true;
            byte[]? last = null;
            var result = Denoiser().Run(request, Euler(), p => last = p.Preview);
            Assert.That(last, Is.Not.Null);
            Assert.That(last!.Length, Is.EqualTo(8 * 8 * 3));
            Assert.That(last, Is.EqualTo(InstantIdDenoiser.LatentPreview(result.Latents, 8, 8)));
        }

        [Test]
        public void LatentPreview_ZeroLatentGivesTheSdxlBiasColour()
        {
            var rgb = InstantIdDenoiser.LatentPreview(new float[4 * 2 * 2], 2, 2);
            // ((bias + 1) / 2 · 255) rounded: 0.1084 → 141, −0.0175 → 125, −0.0011 → 127.
            Assert.That(rgb, Is.EqualTo(new byte[] { 141, 125, 127, 141, 125, 127, 141, 125, 127, 141, 125, 127 }));
            var unit = new float[4];
            unit[0] = 1f; // first latent channel only: bias + row 0 of the factors
            Assert.That(InstantIdDenoiser.LatentPreview(unit, 1, 1), Is.EqualTo(new byte[]
            {
                (byte)Math.Round((0.1084 + 0.3651 + 1) / 2 * 255), (byte)Math.Round((-0.0175 + 0.4232 + 1) / 2 * 255),
                (byte)Math.Round((-0.0011 + 0.4341 + 1) / 2 * 255),
            }));
        }

        [Test]
        public void ControlNetKeep_MatchesDiffusersWindow()
        {
            var expected = ((JArray)Json["loops"]!["loop_cfg"]!["controlnet_keep"]!).ToObject<float[]>()!;
            var actual = new float[6];
            for (int i = 0; i < 6; i++) actual[i] = InstantIdDenoiser.ControlNetKeep(i, 6, 0f, 0.5f);
            Assert.That(actual, Is.EqualTo(expected));
        }

        [Test]
        public void TimeIds_FollowSdxlOrder()
        {
            Assert.That(InstantIdDenoiser.TimeIds((64, 64), (0, 0), (64, 64)), Is.EqualTo(StepFixture.Row(StepFixture.Load("time_ids"), 2, 1)));
            Assert.That(InstantIdDenoiser.TimeIds((1, 2), (3, 4), (5, 6)), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        }
            [Test]
        public void Run_ExtraControlNetResidualsAreSummedWithIdentityNet()
        {
            // ControlNet residuals are linear in conditioning_scale, so IdentityNet at 0.3 plus an identical extra
            // ControlNet at 0.3 (same image) must equal IdentityNet alone at 0.6, up to float rounding.
            using var extraRunner = new ControlNetRunner(StepFixture.Shared("controlnet"), "controlnet_extra");
            var split = LoopRequest("loop_nocfg");
            split.ControlNetScale = 0.3f;
            split.ExtraControlNets.Add(new ExtraControlNet(extraRunner, split.ControlImage, 0.3f));
            var single = LoopRequest("loop_nocfg");
            single.ControlNetScale = 0.6f;
            var a = Denoiser().Run(split, Euler());
            var b = Denoiser().Run(single, Euler());
            Assert.That(TestData.MaxAbsDiff(a.Latents, b.Latents), Is.LessThanOrEqualTo(Tolerance));
            var identityOnly = LoopRequest("loop_nocfg");
            identityOnly.ControlNetScale = 0.3f;
            var c = Denoiser().Run(identityOnly, Euler());
            Assert.That(TestData.MaxAbsDiff(a.Latents, c.Latents), Is.GreaterThan(1e-3f));
        }

        [Test]
        public void Run_ExtraControlNetOutsideItsWindowChangesNothing()
        {
            using var extraRunner = new ControlNetRunner(StepFixture.Shared("controlnet"), "controlnet_extra");
            var request = LoopRequest("loop_nocfg");
            request.ExtraControlNets.Add(new ExtraControlNet(extraRunner, request.ControlImage, 0.9f) { GuidanceStart = 0.99f });
            var withIdle = Denoiser().Run(request, Euler());
            var plain = Denoiser().Run(LoopRequest("loop_nocfg"), Euler());
            Assert.That(withIdle.Latents, Is.EqualTo(plain.Latents));
        }

        [Test]
        public void Run_Img2ImgStartsFromNoisedInitLatentsPartWayThroughTheSchedule()
        {
            // strength 0.5 of 4 steps: diffusers' get_timesteps keeps the last 2 (251, 1) and add_noise to 251.
            var request = LoopRequest("loop_nocfg");
            request.InitLatents = StepFixture.Load("latents_out");
            request.Strength = 0.5;
            var seen = new System.Collections.Generic.List<float>();
            var result = Denoiser().Run(request, Euler(), p => seen.Add(p.Timestep));
            Assert.That(seen, Is.EqualTo(new[] { 251f, 1f }));

            // Same thing by hand: noise the init latents with the seeded noise, then run the two steps.
            var scheduler = Euler();
            scheduler.SetTimesteps(4);
            var noise = new TorchCpuGenerator(request.Seed).Randn(request.InitLatents.Length);
            var start = new float[noise.Length];
            scheduler.AddNoise(request.InitLatents, noise, 251f, start);
            var manual = LoopRequest("loop_nocfg");
            manual.Steps = 4;
            var latents = (float[])start.Clone();
            var modelInput = new float[latents.Length];
            var noisePred = new float[latents.Length];
            var next = new float[latents.Length];
            var unetConditioning = new UNetConditioning(1, Concat(manual.PromptEmbeds, manual.IdentityTokens), 93, manual.PooledPromptEmbeds, InstantIdDenoiser.TimeIds((64, 64), (0, 0), (64, 64)));
            var controlConditioning = new ControlNetConditioning(1, manual.IdentityTokens, 16, manual.ControlImage, 64, 64, manual.PooledPromptEmbeds, InstantIdDenoiser.TimeIds((64, 64), (0, 0), (64, 64)));
            var residuals = new ControlNetResiduals(_runners.ControlNet.DownResidualCount);
            scheduler.SetTimesteps(4);
            var part = scheduler.GetImg2ImgTimesteps(0.5);
            for (int i = 0; i < part.Timesteps.Count; i++)
            {
                float t = part.Timesteps[i];
                scheduler.ScaleModelInput(latents, t, modelInput);
                float keep = InstantIdDenoiser.ControlNetKeep(i, part.Timesteps.Count, 0f, 1f);
                _runners.ControlNet.Run(modelInput, 8, 8, t, manual.ControlNetScale * keep, controlConditioning, residuals, false);
                _runners.UNet.Run(modelInput, 8, 8, t, manual.IpAdapterScale, unetConditioning, residuals, noisePred);
                scheduler.Step(noisePred, t, latents, next, System.Span<float>.Empty, null);
                (latents, next) = (next, latents);
            }
            Assert.That(result.Latents, Is.EqualTo(latents));
        }

        [Test]
        public void Run_RejectsEmptyControlGuidanceWindowLikeDiffusers()
        {
            var request = LoopRequest("loop_nocfg");
            request.ControlGuidanceStart = 0.5f;
            request.ControlGuidanceEnd = 0.5f;
            Assert.That(() => Denoiser().Run(request, Euler()),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("ControlGuidanceEnd"));
        }

        [Test]
        public void Run_CallerNoiseWithAncestralSchedulerDrawsStepNoiseFromTheSeed()
        {
            // With caller noise there is no latent generator; stochastic steps still get seeded noise (and stay deterministic).
            var scheduler = new EulerAncestralDiscreteScheduler(SchedulerConfig.SdxlBase());
            var a = LoopRequest("loop_nocfg");
            a.InitialNoise = StepFixture.Load("loop_nocfg_noise");
            var b = LoopRequest("loop_nocfg");
            b.InitialNoise = StepFixture.Load("loop_nocfg_noise");
            var first = Denoiser().Run(a, scheduler);
            var second = Denoiser().Run(b, new EulerAncestralDiscreteScheduler(SchedulerConfig.SdxlBase()));
            Assert.That(second.Latents, Is.EqualTo(first.Latents));
        }

        static float[] Concat(float[] a, float[] b)
        {
            var r = new float[a.Length + b.Length];
            a.CopyTo(r, 0);
            b.CopyTo(r, a.Length);
            return r;
        }
    }
}
