using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>
    /// A diffusion sampler with diffusers' semantics (set_timesteps / scale_model_input / step).
    /// Tensors are flat float spans in NCHW order; one scheduler instance serves one generation at a time.
    /// </summary>
    public interface IScheduler
    {
        /// <summary>The timesteps of the current schedule, in the order the loop visits them.</summary>
        IReadOnlyList<float> Timesteps { get; }

        /// <summary>Standard deviation of the initial noise (diffusers' init_noise_sigma).</summary>
        float InitNoiseSigma { get; }

        /// <summary>Builds the schedule for <paramref name="inferenceSteps"/> steps and resets the step state.</summary>
        void SetTimesteps(int inferenceSteps);

        /// <summary>Scales the denoiser input for the timestep (diffusers' scale_model_input). May be in place.</summary>
        void ScaleModelInput(ReadOnlySpan<float> sample, float timestep, Span<float> destination);

        /// <summary>
        /// One sampler step: writes the previous (less noisy) sample into <paramref name="prevSample"/> and, when
        /// given, the denoised estimate into <paramref name="predOriginal"/>. <paramref name="noise"/> supplies
        /// fresh noise to stochastic samplers (ancestral, LCM); deterministic ones never call it.
        /// </summary>
        void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample,
            Span<float> prevSample, Span<float> predOriginal, INoiseSource? noise);

        /// <summary>img2img: noised latents for starting at <paramref name="timestep"/> (diffusers' add_noise).</summary>
        void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination);
    }

    /// <summary>Fills buffers with standard normal noise (a seeded generator, or recorded noise in tests).</summary>
    public interface INoiseSource
    {
        /// <summary>Fills <paramref name="destination"/> with N(0,1) samples, consumed in order.</summary>
        void Fill(Span<float> destination);
    }
}
