using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>
    /// The training noise schedule and the numeric helpers the diffusers schedulers share, reproduced in the
    /// precision diffusers computes them: betas / alphas_cumprod as torch float32 tensors, timestep and sigma
    /// tables in numpy float64 before the final float32 cast.
    /// </summary>
    internal static class NoiseSchedule
    {
        /// <summary>Betas as diffusers' constructors build them (torch float32).</summary>
        public static float[] Betas(SchedulerConfig config, double defaultStart, double defaultEnd, BetaSchedule defaultSchedule)
        {
            if (config.RescaleBetasZeroSnr)
                throw new InstantIdException("Scheduler config 'rescale_betas_zero_snr': true is not supported; set it to false.");
            int n = config.NumTrainTimesteps;
            if (config.TrainedBetas != null)
            {
                if (config.TrainedBetas.Length != n)
                    throw new InstantIdException($"Scheduler config 'trained_betas' has {config.TrainedBetas.Length} values but num_train_timesteps is {n}; make them agree.");
                return (float[])config.TrainedBetas.Clone();
            }
            double start = config.BetaStart ?? defaultStart, end = config.BetaEnd ?? defaultEnd;
            switch (config.BetaSchedule ?? defaultSchedule)
            {
                case BetaSchedule.Linear:
                    return TorchLinspace(start, end, n);
                case BetaSchedule.ScaledLinear:
                {
                    // torch.linspace(beta_start**0.5, beta_end**0.5, n, dtype=float32) ** 2
                    var b = TorchLinspace(Math.Sqrt(start), Math.Sqrt(end), n);
                    for (int i = 0; i < n; i++) b[i] = b[i] * b[i];
                    return b;
                }
                default:
                {
                    // betas_for_alpha_bar (cosine), in Python floats, then torch.tensor(float32)
                    var b = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        double t1 = (double)i / n, t2 = (double)(i + 1) / n;
                        b[i] = (float)Math.Min(1 - CosAlphaBar(t2) / CosAlphaBar(t1), 0.999);
                    }
                    return b;
                }
            }
        }

        static double CosAlphaBar(double t)
        {
            var c = Math.Cos((t + 0.008) / 1.008 * Math.PI / 2);
            return c * c;
        }

        /// <summary>
        /// torch.linspace(start, end, steps, dtype=float32) on CPU, bit for bit with torch 1.13 (AVX2 build): the
        /// first half counts up from start, the second half down from end; vectorised blocks of 8 start from a
        /// fused multiply-add base and add i*step rounded separately (at::native linspace_kernel + Vectorized::arange).
        /// </summary>
        public static float[] TorchLinspace(double startD, double endD, int steps)
        {
            var result = new float[steps];
            if (steps == 0) return result;
            float start = (float)startD, end = (float)endD;
            if (steps == 1) { result[0] = start; return result; }
            float step = (end - start) / (steps - 1);
            int halfway = steps / 2;
            const int width = 8;
            int vectorised = steps / (2 * width) * (2 * width);
            for (int j = 0; j < steps; j++)
            {
                if (j < vectorised)
                {
                    int block = j / width * width;
                    float baseValue = block < halfway ? Fma(step, block, start) : Fma(-step, steps - block - 1, end);
                    result[j] = baseValue + (j - block) * step;
                }
                else
                {
                    result[j] = j < halfway ? Fma(step, j, start) : Fma(-step, steps - j - 1, end);
                }
            }
            return result;
        }

        // a*b+c with one rounding: the product of a float and a small integer is exact in double.
        static float Fma(float a, int b, float c) => (float)((double)a * b + c);

        /// <summary>torch.cumprod(1 - betas) in float32 (the CPU kernel accumulates in double).</summary>
        public static float[] AlphasCumprod(float[] betas)
        {
            var result = new float[betas.Length];
            double acc = 1.0;
            for (int i = 0; i < betas.Length; i++)
            {
                float alpha = 1f - betas[i];
                acc *= alpha;
                result[i] = (float)acc;
            }
            return result;
        }

        /// <summary>((1 - alphas_cumprod) / alphas_cumprod) ** 0.5 as a float32 tensor, ascending in t.</summary>
        public static float[] TrainingSigmas(float[] alphasCumprod)
        {
            var s = new float[alphasCumprod.Length];
            for (int i = 0; i < s.Length; i++) s[i] = (float)Math.Sqrt((1f - alphasCumprod[i]) / alphasCumprod[i]);
            return s;
        }

        /// <summary>np.log of a float32 array (float32 result).</summary>
        public static float[] Log(float[] values)
        {
            var r = new float[values.Length];
            for (int i = 0; i < r.Length; i++) r[i] = (float)Math.Log(values[i]);
            return r;
        }

        /// <summary>np.linspace(start, stop, num) in float64 (endpoint included, last value exactly stop).</summary>
        public static double[] NumpyLinspace(double start, double stop, int num)
        {
            var y = new double[num];
            if (num == 0) return y;
            if (num == 1) { y[0] = start; return y; }
            double step = (stop - start) / (num - 1);
            for (int i = 0; i < num; i++) y[i] = i * step + start;
            y[num - 1] = stop;
            return y;
        }

        /// <summary>np.arange(start, stop, step) for float arguments (numpy fills start + i*delta).</summary>
        public static double[] NumpyArange(double start, double stop, double step)
        {
            int length = (int)Math.Max(0, Math.Ceiling((stop - start) / step));
            var y = new double[length];
            if (length == 0) return y;
            double delta = (start + step) - start;
            y[0] = start;
            for (int i = 1; i < length; i++) y[i] = start + i * delta;
            return y;
        }

        /// <summary>np.interp(x, arange(len(fp)), fp) with fp float32, result float64.</summary>
        public static double Interp(double x, float[] fp)
        {
            int n = fp.Length;
            if (x <= 0) return fp[0];
            if (x >= n - 1) return fp[n - 1];
            int j = (int)Math.Floor(x);
            if (x == j) return fp[j];
            double slope = ((double)fp[j + 1] - fp[j]) / 1.0;
            return slope * (x - j) + fp[j];
        }

        /// <summary>Karras et al. (2022) sigmas, rho 7, in float64 (diffusers' _convert_to_karras).</summary>
        public static double[] Karras(double sigmaMin, double sigmaMax, int steps)
        {
            const double rho = 7.0;
            var ramp = NumpyLinspace(0, 1, steps);
            double minInvRho = Math.Pow(sigmaMin, 1 / rho), maxInvRho = Math.Pow(sigmaMax, 1 / rho);
            var sigmas = new double[steps];
            for (int i = 0; i < steps; i++) sigmas[i] = Math.Pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
            return sigmas;
        }

        /// <summary>
        /// diffusers' _sigma_to_t: the fractional training timestep of a sigma, interpolating log sigma linearly
        /// between the neighbouring float32 training log-sigmas (their difference is taken in float32, as numpy does).
        /// </summary>
        public static double SigmaToT(double sigma, float[] logSigmas)
        {
            double logSigma = Math.Log(Math.Max(sigma, 1e-10));
            // argmax of cumsum(dists >= 0): the last index whose log sigma is <= ours (0 when there is none).
            int low = 0;
            for (int i = 0; i < logSigmas.Length; i++) if (logSigma - logSigmas[i] >= 0) low = i;
            low = Math.Min(low, logSigmas.Length - 2);
            int high = low + 1;
            float lowValue = logSigmas[low], highValue = logSigmas[high];
            double w = (lowValue - logSigma) / (double)(lowValue - highValue);
            w = Math.Min(Math.Max(w, 0), 1);
            return (1 - w) * low + w * high;
        }

        /// <summary>Python's round() / np.round: half to even.</summary>
        public static double Round(double x) => Math.Round(x, MidpointRounding.ToEven);

        /// <summary>Index of a timestep in the schedule, diffusers-style: the second match when it repeats
        /// (img2img starting mid-schedule), else the first; -1 when absent.</summary>
        public static int IndexForTimestep(IReadOnlyList<float> timesteps, float timestep)
        {
            int first = -1;
            for (int i = 0; i < timesteps.Count; i++)
            {
                if (timesteps[i] != timestep) continue;
                if (first >= 0) return i;
                first = i;
            }
            return first;
        }

        public static void CheckSteps(int inferenceSteps, int numTrainTimesteps)
        {
            if (inferenceSteps < 1 || inferenceSteps > numTrainTimesteps)
                throw new InstantIdException($"Inference steps must be between 1 and num_train_timesteps ({numTrainTimesteps}); got {inferenceSteps}.");
        }

        public static void CheckLengths(int expected, int actual, string name)
        {
            if (actual != expected)
                throw new ArgumentException($"{name} has {actual} values but the sample has {expected}; pass buffers of the same size.", name);
        }

        /// <summary>
        /// The buffer checks every scheduler's Step makes: model output and destination as long as the sample, and
        /// predOriginal either empty (not wanted) or as long too. Returns whether predOriginal is to be written.
        /// </summary>
        internal static bool CheckStepBuffers(int sampleLength, int modelOutputLength, int prevSampleLength, int predOriginalLength)
        {
            CheckLengths(sampleLength, modelOutputLength, "modelOutput");
            CheckLengths(sampleLength, prevSampleLength, "prevSample");
            bool writeOriginal = predOriginalLength > 0;
            if (writeOriginal) CheckLengths(sampleLength, predOriginalLength, "predOriginal");
            return writeOriginal;
        }

        /// <summary>scale_model_input of the DDPM-family schedulers (DDIM, LCM, DPM-Solver): the sample unchanged.</summary>
        internal static void CopyUnscaled(ReadOnlySpan<float> sample, Span<float> destination)
        {
            CheckLengths(sample.Length, destination.Length, "destination");
            sample.CopyTo(destination);
        }

        /// <summary>The schedulers ported here do not implement diffusers' dynamic thresholding.</summary>
        internal static void RejectThresholding(SchedulerConfig config, string scheduler)
        {
            if (config.Thresholding)
                throw new InstantIdException($"{scheduler}: 'thresholding' (dynamic thresholding) is not supported; set it to false.");
        }

        /// <summary>
        /// final_alpha_cumprod of DDIM and LCM: 1 with set_alpha_to_one (the class default), else ᾱ_0.
        /// </summary>
        internal static float FinalAlphaCumprod(SchedulerConfig config, float[] alphasCumprod) =>
            (config.SetAlphaToOne ?? true) ? 1f : alphasCumprod[0];

        /// <summary>
        /// A timestep as an index into the training tables (DDIM, LCM): it must be a whole number in range.
        /// </summary>
        internal static int TrainIndex(string scheduler, string caller, int trainLength, float timestep)
        {
            int t = (int)timestep;
            if (t != timestep || t < 0 || t >= trainLength)
                throw new InstantIdException($"{scheduler}.{caller}: timestep {timestep} must be an integer in [0, {trainLength}); pass one of Timesteps.");
            return t;
        }

        /// <summary>
        /// diffusers' _init_step_index: the position of <paramref name="timestep"/> in the schedule, with the
        /// scheduler's name in the errors.
        /// </summary>
        internal static int StepIndexFor(string scheduler, float[] timesteps, float timestep)
        {
            if (timesteps.Length == 0)
                throw new InstantIdException($"{scheduler}: call SetTimesteps before scaling or stepping.");
            int index = IndexForTimestep(timesteps, timestep);
            if (index < 0)
                throw new InstantIdException($"{scheduler}: timestep {timestep} is not in the current schedule; pass one of Timesteps.");
            return index;
        }

        /// <summary>The k-diffusion input scaling sample / sqrt(σ² + 1) of the Euler-family scale_model_input.</summary>
        internal static void ScaleForSigma(ReadOnlySpan<float> sample, float sigma, Span<float> destination)
        {
            CheckLengths(sample.Length, destination.Length, nameof(destination));
            float scale = (float)Math.Sqrt(sigma * sigma + 1f);
            for (int i = 0; i < sample.Length; i++) destination[i] = sample[i] / scale;
        }
    }
}
