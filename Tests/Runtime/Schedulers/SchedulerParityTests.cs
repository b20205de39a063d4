using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using InstantIdAvatars.Schedulers;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Schedulers
{
    /// <summary>Every scheduler variant against diffusers 0.25.1 and 0.35.2 reference runs.</summary>
    public sealed class SchedulerParityTests
    {
        // Trace tolerance: |a-b| / max(1,|b|), float32 arithmetic replayed in the same order as torch.
        const double TraceTolerance = 1e-5;

        static IEnumerable<object[]> Cases() => SchedulerReference.Cases();

        [Test]
        public void Betas_MatchTorchFloat32Exactly([Values(SchedulerReference.Pinned, SchedulerReference.Modern)] string version)
        {
            var (_, config) = SchedulerReference.Config(version, "euler");
            var betas = NoiseSchedule.Betas(config, 0.0001, 0.02, BetaSchedule.Linear);
            var cumprod = NoiseSchedule.AlphasCumprod(betas);
            Assert.That(betas, Is.EqualTo(SchedulerReference.Npy(version, "betas.npy").Data));
            Assert.That(cumprod, Is.EqualTo(SchedulerReference.Npy(version, "alphas_cumprod.npy").Data));
        }

        [TestCaseSource(nameof(Cases))]
        public void SetTimesteps_MatchesDiffusersTables(string version, string variant)
        {
            var reference = SchedulerReference.Variant(version, variant);
            var scheduler = SchedulerReference.Create(version, variant);
            foreach (var steps in SchedulerReference.StepCounts)
            {
                var table = reference["tables"]![steps]!;
                scheduler.SetTimesteps(int.Parse(steps));
                var expectedTimesteps = SchedulerReference.Floats(table["timesteps"]!);
                // Integer schedules must agree exactly; Karras timesteps are fractional (log-sigma interpolation).
                Assert.That(SchedulerReference.MaxScaledDiff(scheduler.Timesteps, expectedTimesteps), Is.LessThanOrEqualTo(2e-6),
                    $"{variant} {steps} steps: timesteps {string.Join(",", scheduler.Timesteps)}");
                Assert.That(scheduler.InitNoiseSigma, Is.EqualTo((float)(double)table["init_noise_sigma"]!).Within(1e-6).Percent,
                    $"{variant} {steps} steps: init_noise_sigma");
                if (table["sigmas"] != null)
                {
                    var sigmas = SigmasOf(scheduler);
                    var expected = SchedulerReference.Floats(table["sigmas"]!);
                    Assert.That(SchedulerReference.MaxScaledDiff(sigmas, expected), Is.LessThanOrEqualTo(1e-6),
                        $"{variant} {steps} steps: sigmas {string.Join(",", sigmas)}");
                }
            }
        }

        [TestCaseSource(nameof(Cases))]
        public void Step_MatchesDiffusersTrace(string version, string variant)
        {
            var reference = SchedulerReference.Variant(version, variant);
            var trace = reference["trace"]!;
            var files = trace["files"]!.Select(t => (string)t!).ToList();
            var scheduler = SchedulerReference.Create(version, variant);
            scheduler.SetTimesteps((int)trace["num_inference_steps"]!);
            Assert.That(SchedulerReference.MaxScaledDiff(scheduler.Timesteps, SchedulerReference.Floats(trace["timesteps"]!)), Is.LessThanOrEqualTo(2e-6));

            var x0 = SchedulerReference.Npy(version, "x0.npy").Data;
            var init = SchedulerReference.Npy(version, variant + "_init_latents.npy").Data;
            var scaledRef = SchedulerReference.Npy(version, variant + "_scaled_input.npy").Data;
            var modelOut = SchedulerReference.Npy(version, variant + "_model_output.npy").Data;
            var prevRef = SchedulerReference.Npy(version, variant + "_prev_sample.npy").Data;
            bool hasOriginal = files.Contains(variant + "_pred_original.npy");
            var originalRef = hasOriginal ? SchedulerReference.Npy(version, variant + "_pred_original.npy").Data : null;
            bool hasNoise = files.Contains(variant + "_noise.npy");
            var noise = new RecordedNoise(hasNoise ? SchedulerReference.Npy(version, variant + "_noise.npy").Data : Array.Empty<float>());

            int size = x0.Length;
            var latents = new float[size];
            for (int i = 0; i < size; i++) latents[i] = x0[i] * scheduler.InitNoiseSigma;
            Assert.That(TestData.MaxAbsDiff(latents, init), Is.LessThanOrEqualTo(1e-6f), "init latents");

            double worst = 0;
            var scaled = new float[size];
            var prev = new float[size];
            var original = new float[size];
            for (int step = 0; step < scheduler.Timesteps.Count; step++)
            {
                float t = scheduler.Timesteps[step];
                scheduler.ScaleModelInput(latents, t, scaled);
                worst = Math.Max(worst, Check(scaled, scaledRef.AsSpan(step * size, size), $"{variant} step {step} scaled_input"));
                scheduler.Step(modelOut.AsSpan(step * size, size), t, latents, prev, original, noise);
                worst = Math.Max(worst, Check(prev, prevRef.AsSpan(step * size, size), $"{variant} step {step} prev_sample"));
                if (originalRef != null)
                    worst = Math.Max(worst, Check(original, originalRef.AsSpan(step * size, size), $"{variant} step {step} pred_original"));
                Array.Copy(prev, latents, size);
            }

            // Stochastic samplers must consume exactly the draws diffusers made that matter (Euler 0.25.1's
            // discarded draws excepted).
            int usedDraws = (string)reference["class"]! == "EulerDiscreteScheduler" ? 0 : (int)trace["noise_draw_count"]!;
            Assert.That(noise.Consumed, Is.EqualTo(usedDraws * size), "noise values consumed");
            TestContext.Progress.WriteLine($"trace parity diffusers {version} {variant}: worst scaled error {worst:E2}");
        }

        static double Check(float[] actual, ReadOnlySpan<float> expected, string what)
        {
            double max = 0;
            for (int i = 0; i < actual.Length; i++)
                max = Math.Max(max, Math.Abs((double)actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i])));
            Assert.That(max, Is.LessThanOrEqualTo(TraceTolerance), what);
            return max;
        }

        internal static IReadOnlyList<float> SigmasOf(IScheduler scheduler) => scheduler switch
        {
            EulerDiscreteScheduler e => e.Sigmas,
            EulerAncestralDiscreteScheduler a => a.Sigmas,
            DpmSolverMultistepScheduler d => d.Sigmas,
            _ => throw new ArgumentException("no sigma table on " + scheduler.GetType().Name),
        };
    }
}
