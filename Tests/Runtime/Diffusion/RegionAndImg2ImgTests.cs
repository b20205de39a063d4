using System;
using System.Linq;
using System.Threading;
using InstantIdAvatars.Diffusion;
using InstantIdAvatars.Schedulers;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Diffusion
{
    /// <summary>
    /// img2img, the IdentityNet region mask (face-region refinement) and several-identity regions in the denoising
    /// loop, on the tiny models (64×64 image, 8×8 latents).
    /// </summary>
    public sealed class RegionAndImg2ImgTests
    {
        const int Size = 64;

        TinyRunners _runners = null!;

        [OneTimeSetUp]
        public void Open() => _runners = new TinyRunners();

        [OneTimeTearDown]
        public void Close() => _runners.Dispose();

        InstantIdDenoiser Denoiser() => _runners.Denoiser();

        static EulerDiscreteScheduler Euler() => TinyRunners.Euler();

        static DenoiseRequest Cfg() => InstantIdDenoiserTests.LoopRequest("loop_cfg");

        static float[] Ones() => Enumerable.Repeat(1f, Size * Size).ToArray();

        /// <summary>The fixture's other token row: a second "identity" that differs from the first.</summary>
        static float[] OtherTokens() => StepFixture.Row(StepFixture.Load("image_tokens"), 2, 0);

        static IdentityRegion SameAs(DenoiseRequest r, float[] mask) =>
            new IdentityRegion(r.IdentityTokens, r.UnconditionalIdentityTokens, r.ControlImage, mask);

        // ---- img2img

        static float[] InitLatents(float value)
        {
            var latents = new float[4 * (Size / 8) * (Size / 8)];
            for (int i = 0; i < latents.Length; i++) latents[i] = value * MathF.Sin(i * 0.37f);
            return latents;
        }

        [Test]
        public void Img2Img_Strength03_RunsTheLastThreeOfTenTimesteps()
        {
            var request = Cfg();
            request.Steps = 10;
            request.InitLatents = InitLatents(0.5f);
            request.Strength = 0.3;
            var full = Euler();
            full.SetTimesteps(10);
            var seen = new System.Collections.Generic.List<float>();
            Denoiser().Run(request, Euler(), p => { seen.Add(p.Timestep); Assert.That(p.TotalSteps, Is.EqualTo(3)); });
            Assert.That(seen, Is.EqualTo(full.Timesteps.Skip(7).ToArray()));
        }

        [Test]
        public void Img2Img_Strength1_RunsTheFullScheduleButIsNotTextToImage()
        {
            // diffusers' SDXL img2img at strength 1 still calls add_noise(init, noise, t_max) = init + σ_max·noise,
            // while text-to-image starts from noise·init_noise_sigma = noise·√(σ_max² + 1): neither equal, and the
            // start image still shows through. (Only the inpaint pipeline's is_strength_max starts from pure noise.)
            var txt = Denoiser().Run(Cfg(), Euler());
            var a = Cfg();
            a.InitLatents = InitLatents(0.5f);
            a.Strength = 1.0;
            int steps = 0;
            var imgA = Denoiser().Run(a, Euler(), p => steps++);
            Assert.That(steps, Is.EqualTo(a.Steps));
            var b = Cfg();
            b.InitLatents = InitLatents(-0.5f);
            b.Strength = 1.0;
            var imgB = Denoiser().Run(b, Euler());
            Assert.That(TestData.MaxAbsDiff(imgA.Latents, txt.Latents), Is.GreaterThan(1e-3f));
            Assert.That(TestData.MaxAbsDiff(imgA.Latents, imgB.Latents), Is.GreaterThan(1e-3f));

            // Zero start latents and noise scaled by σ_max/√(σ_max²+1) give exactly the same start as img2img.
            var scheduler = Euler();
            scheduler.SetTimesteps(a.Steps);
            var noise = new TorchCpuGenerator(a.Seed).Randn(a.InitLatents.Length);
            var expectedStart = new float[noise.Length];
            scheduler.AddNoise(new float[noise.Length], noise, scheduler.Timesteps[0], expectedStart);
            var zero = Cfg();
            zero.InitLatents = new float[noise.Length];
            zero.Strength = 1.0;
            var txtFromSameStart = Cfg();
            txtFromSameStart.InitialNoise = expectedStart.Select(v => v / scheduler.InitNoiseSigma).ToArray();
            var fromZero = Denoiser().Run(zero, Euler());
            var fromNoise = Denoiser().Run(txtFromSameStart, Euler());
            Assert.That(TestData.MaxAbsDiff(fromZero.Latents, fromNoise.Latents), Is.LessThan(1e-4f));
        }

        [Test]
        public void Img2Img_BadStrength_SaysTheRange()
        {
            var request = Cfg();
            request.InitLatents = InitLatents(0.5f);
            request.Strength = 0;
            Assert.That(() => Denoiser().Run(request, Euler()),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("Strength must be in (0, 1]"));
        }

        // ---- IdentityNet mask (face-region refinement)

        [Test]
        public void IdentityNetMask_OnesEqualsNoMask_ZerosEqualsNoIdentityNet()
        {
            var plain = Denoiser().Run(Cfg(), Euler());
            var ones = Cfg();
            ones.IdentityNetMask = Ones();
            Assert.That(Denoiser().Run(ones, Euler()).Latents, Is.EqualTo(plain.Latents));

            var zeros = Cfg();
            zeros.IdentityNetMask = new float[Size * Size];
            var off = Cfg();
            off.ControlNetScale = 0f;
            Assert.That(Denoiser().Run(zeros, Euler()).Latents, Is.EqualTo(Denoiser().Run(off, Euler()).Latents));
        }

        [Test]
        public void IdentityNetMask_FaceBox_IsDeterministicAndDiffers()
        {
            var plain = Denoiser().Run(Cfg(), Euler());
            DenoiseRequest Masked()
            {
                var r = Cfg();
                r.IdentityNetMask = RegionMasks.Box(Size, Size, 16, 12, 32, 36, feather: 4);
                return r;
            }
            var a = Denoiser().Run(Masked(), Euler());
            var b = Denoiser().Run(Masked(), Euler());
            Assert.That(b.Latents, Is.EqualTo(a.Latents));
            Assert.That(TestData.MaxAbsDiff(a.Latents, plain.Latents), Is.GreaterThan(1e-4f));
        }

        [Test]
        public void ResizeBilinear_MatchesTorchInterpolate()
        {
            // F.interpolate(torch.arange(16.).view(1,1,4,4), (2,2), mode="bilinear") = [[2.5, 4.5], [10.5, 12.5]]
            // and to (3,3): source = (i+0.5)·4/3 − 0.5 → 0.1667, 1.5, 2.8333.
            var mask = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
            Assert.That(RegionMasks.ResizeBilinear(mask, 4, 4, 2, 2), Is.EqualTo(new[] { 2.5f, 4.5f, 10.5f, 12.5f }));
            var three = RegionMasks.ResizeBilinear(mask, 4, 4, 3, 3);
            Assert.That(three[0], Is.EqualTo(0.1666667f * 5).Within(1e-5f));
            Assert.That(three[4], Is.EqualTo(1.5f * 5).Within(1e-5f));
            Assert.That(three[8], Is.EqualTo(2.8333333f * 5).Within(1e-5f));
        }

        [Test]
        public void Box_WithoutFeather_IsTheDemosHardBox()
        {
            var mask = RegionMasks.Box(8, 6, 2, 1, 3, 4);
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 8; x++)
                    Assert.That(mask[y * 8 + x], Is.EqualTo(x >= 2 && x < 5 && y >= 1 && y < 5 ? 1f : 0f), $"({x},{y})");
            var soft = RegionMasks.Box(64, 64, 8, 8, 48, 48, feather: 8);
            Assert.That(soft[32 * 64 + 32], Is.EqualTo(1f));
            Assert.That(soft[32 * 64 + 8], Is.EqualTo(0.5f / 8));
            Assert.That(soft[32 * 64 + 7], Is.EqualTo(0f));
            var border = RegionMasks.Box(64, 64, 0, 0, 32, 64, feather: 8);
            Assert.That(border[0], Is.EqualTo(1f), "no ramp along the image border");
            Assert.That(border[31], Is.EqualTo(0.5f / 8), "ramp on the inner edge");
        }

        // ---- several identities

        [Test]
        public void Regions_OneRegionCoveringTheImage_EqualsSingleIdentity()
        {
            var plain = Denoiser().Run(Cfg(), Euler());
            var request = Cfg();
            request.Regions.Add(SameAs(request, Ones()));
            Assert.That(Denoiser().Run(request, Euler()).Latents, Is.EqualTo(plain.Latents));
        }

        [Test]
        public void Regions_TwoRegionsWithTheSameIdentity_EqualSingleIdentity()
        {
            var plain = Denoiser().Run(Cfg(), Euler());
            var request = Cfg();
            request.Regions.Add(SameAs(request, RegionMasks.Box(Size, Size, 0, 0, 32, 64, 8)));
            request.Regions.Add(SameAs(request, RegionMasks.Box(Size, Size, 24, 8, 40, 40, 8)));
            Assert.That(Denoiser().Run(request, Euler()).Latents, Is.EqualTo(plain.Latents));
        }

        [Test]
        public void Regions_TwoIdentities_EachDominatesItsHalf()
        {
            var first = Denoiser().Run(Cfg(), Euler());
            var second = Cfg();
            second.IdentityTokens = OtherTokens();
            var other = Denoiser().Run(second, Euler());
            var request = Cfg();
            request.Regions.Add(SameAs(request, RegionMasks.Box(Size, Size, 0, 0, 32, 64)));
            request.Regions.Add(new IdentityRegion(OtherTokens(), request.UnconditionalIdentityTokens, request.ControlImage,
                RegionMasks.Box(Size, Size, 32, 0, 32, 64)));
            var mixed = Denoiser().Run(request, Euler());
            Assert.That(TestData.MaxAbsDiff(first.Latents, other.Latents), Is.GreaterThan(1e-3f));
            // Left latent columns follow identity 1, right ones identity 2 (more than the other identity's run does).
            float LeftError(float[] a, float[] b) => ColumnError(a, b, 0, 3);
            float RightError(float[] a, float[] b) => ColumnError(a, b, 5, 8);
            Assert.That(LeftError(mixed.Latents, first.Latents), Is.LessThan(LeftError(mixed.Latents, other.Latents)));
            Assert.That(RightError(mixed.Latents, other.Latents), Is.LessThan(RightError(mixed.Latents, first.Latents)));
            var again = Denoiser().Run(request, Euler());
            Assert.That(again.Latents, Is.EqualTo(mixed.Latents));
        }

        static float ColumnError(float[] a, float[] b, int from, int to)
        {
            double sum = 0;
            for (int c = 0; c < 4; c++)
                for (int y = 0; y < 8; y++)
                    for (int x = from; x < to; x++)
                    {
                        int i = (c * 8 + y) * 8 + x;
                        sum += Math.Abs(a[i] - b[i]);
                    }
            return (float)sum;
        }

        [Test]
        public void RegionWeights_SumToOne_BackgroundIsShared_OverlapIsNormalised()
        {
            var left = RegionMasks.Box(Size, Size, 0, 0, 40, 32, 6);
            var right = RegionMasks.Box(Size, Size, 24, 0, 40, 32, 6);
            var weights = InstantIdDenoiser.RegionWeights(new[] { left, right }, Size, Size);
            for (int j = 0; j < 64; j++)
                Assert.That(weights[0][j] + weights[1][j], Is.EqualTo(1f).Within(1e-6f), $"latent position {j}");
            // Bottom half: no region → each gets half (the mean of the predictions).
            Assert.That(weights[0][7 * 8 + 3], Is.EqualTo(0.5f));
            // Top-left corner: only the left region.
            Assert.That(weights[0][0], Is.EqualTo(1f));
            Assert.That(weights[1][0], Is.EqualTo(0f));
        }

        [Test]
        public void Regions_CancelledAfterTheFirstStep_Throws()
        {
            var request = Cfg();
            request.Regions.Add(SameAs(request, RegionMasks.Box(Size, Size, 0, 0, 32, 64)));
            request.Regions.Add(SameAs(request, RegionMasks.Box(Size, Size, 32, 0, 32, 64)));
            using var cancel = new CancellationTokenSource();
            int calls = 0;
            Assert.That(() => Denoiser().Run(request, Euler(), p => { calls++; cancel.Cancel(); }, cancel.Token),
                Throws.InstanceOf<OperationCanceledException>());
            Assert.That(calls, Is.EqualTo(1));
        }

        [Test]
        public void Regions_WrongMaskSize_SaysWhichRegion()
        {
            var request = Cfg();
            request.Regions.Add(SameAs(request, Ones()));
            request.Regions.Add(SameAs(request, new float[10]));
            Assert.That(() => Denoiser().Run(request, Euler()),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("Region 1: the mask must be [64,64]"));
        }
    }
}
