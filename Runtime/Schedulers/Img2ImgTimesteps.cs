using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>The part of a schedule an img2img run denoises (diffusers' <c>get_timesteps</c> result).</summary>
    public sealed class Img2ImgTimesteps
    {
        internal Img2ImgTimesteps(int startIndex, IReadOnlyList<float> all)
        {
            StartIndex = startIndex;
            var rest = new float[all.Count - startIndex];
            for (int i = 0; i < rest.Length; i++) rest[i] = all[startIndex + i];
            Timesteps = rest;
        }

        /// <summary>Index into the scheduler's full <see cref="IScheduler.Timesteps"/> where denoising starts.</summary>
        public int StartIndex { get; }
        /// <summary>The timesteps still to run, in loop order.</summary>
        public IReadOnlyList<float> Timesteps { get; }
        /// <summary>How many denoising steps remain (diffusers' returned num_inference_steps).</summary>
        public int InferenceSteps => Timesteps.Count;
        /// <summary>The timestep the init latents are noised to with <see cref="IScheduler.AddNoise"/> (latent_timestep).</summary>
        public float LatentTimestep => Timesteps[0];
    }

    /// <summary>img2img helpers over any <see cref="IScheduler"/>.</summary>
    public static class SchedulerImg2Img
    {
        /// <summary>
        /// Which timesteps an img2img run with <paramref name="strength"/> denoises, as diffusers'
        /// StableDiffusionXLImg2ImgPipeline.get_timesteps (denoising_start unset): init = min(int(n·strength), n),
        /// start = n - init. Call after <see cref="IScheduler.SetTimesteps"/>; noise the encoded image to
        /// <see cref="Img2ImgTimesteps.LatentTimestep"/> with <see cref="IScheduler.AddNoise"/>, then loop over
        /// <see cref="Img2ImgTimesteps.Timesteps"/>.
        /// </summary>
        /// <param name="scheduler">A scheduler whose timesteps are set.</param>
        /// <param name="strength">0..1; 1 = ignore the image (full schedule). A double, as in Python:
        /// int(30 * 0.7) is 21 there, while a float32 strength would give 20.</param>
        /// <exception cref="InstantIdException">Strength outside [0, 1], timesteps not set, or no step left.</exception>
        public static Img2ImgTimesteps GetImg2ImgTimesteps(this IScheduler scheduler, double strength)
        {
            if (scheduler == null) throw new ArgumentNullException(nameof(scheduler));
            if (!(strength >= 0 && strength <= 1))
                throw new InstantIdException($"img2img strength must be between 0 and 1; got {strength}.");
            int n = scheduler.Timesteps.Count;
            if (n == 0)
                throw new InstantIdException("Call SetTimesteps on the scheduler before GetImg2ImgTimesteps.");
            int init = Math.Min((int)(n * strength), n);
            int start = Math.Max(n - init, 0);
            if (start >= n)
                throw new InstantIdException($"img2img strength {strength} with {n} steps leaves no denoising step; raise the strength or the step count.");
            // All schedulers here have order 1, so the slice starts at t_start * order = t_start.
            return new Img2ImgTimesteps(start, scheduler.Timesteps);
        }
    }
}
