using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>
    /// DPM-Solver++ multistep (orders 1 and 2, midpoint or Heun), matching diffusers 0.25.1's
    /// <c>DPMSolverMultistepScheduler</c> with algorithm_type "dpmsolver++" — "DPM++ 2M" and, with Karras sigmas,
    /// "DPM++ 2M Karras". final_sigmas_type: unset = 0.25.1 behaviour (last Karras sigma, or the smallest training
    /// sigma); "zero" = diffusers ≥ 0.26 ending fully denoised (with a first-order last step).
    /// </summary>
    public sealed class DpmSolverMultistepScheduler : IScheduler
    {
        readonly SchedulerConfig _config;
        readonly float[] _betas;
        readonly float[] _alphasCumprod;
        readonly float[] _trainingSigmas;
        readonly float[] _logSigmas;
        readonly float[] _lambdas;
        float[] _timesteps = Array.Empty<float>();
        float[] _sigmas = Array.Empty<float>();
        int _stepIndex = -1;
        int _lowerOrderNums;
        float[]? _previousOutput;
        float[]? _currentOutput;

        /// <summary>Builds the scheduler from a diffusers config (class defaults as diffusers' constructor).</summary>
        /// <exception cref="InstantIdException">The config asks for something this port does not implement.</exception>
        public DpmSolverMultistepScheduler(SchedulerConfig config)
        {
            _config = (config ?? throw new ArgumentNullException(nameof(config))).Clone();
            if (_config.AlgorithmType != DpmAlgorithmType.DpmSolverPlusPlus)
                throw new InstantIdException("DpmSolverMultistepScheduler: only algorithm_type \"dpmsolver++\" is implemented; set it in the scheduler config.");
            if (_config.SolverOrder > 2)
                throw new InstantIdException("DpmSolverMultistepScheduler: solver_order 3 is not implemented; use 2 (DPM++ 2M) or 1.");
            NoiseSchedule.RejectThresholding(_config, "DpmSolverMultistepScheduler");
            _betas = NoiseSchedule.Betas(_config, 0.0001, 0.02, BetaSchedule.Linear);
            _alphasCumprod = NoiseSchedule.AlphasCumprod(_betas);
            _trainingSigmas = NoiseSchedule.TrainingSigmas(_alphasCumprod);
            _logSigmas = NoiseSchedule.Log(_trainingSigmas);
            // lambda_t = log(sqrt(ᾱ)) - log(sqrt(1-ᾱ)) as torch float32, used only for lambda_min_clipped.
            _lambdas = new float[_alphasCumprod.Length];
            for (int i = 0; i < _lambdas.Length; i++)
                _lambdas[i] = (float)Math.Log((float)Math.Sqrt(_alphasCumprod[i])) - (float)Math.Log((float)Math.Sqrt(1f - _alphasCumprod[i]));
        }

        /// <summary>The resolved configuration (a private copy).</summary>
        public SchedulerConfig Config => _config.Clone();
        /// <summary>Training betas (float32, as torch computes them).</summary>
        public IReadOnlyList<float> Betas => _betas;
        /// <summary>Cumulative products of 1 - beta (float32, as torch computes them).</summary>
        public IReadOnlyList<float> AlphasCumprod => _alphasCumprod;
        /// <inheritdoc />
        public IReadOnlyList<float> Timesteps => _timesteps;
        /// <summary>Noise level per step, plus the final one (length = steps + 1).</summary>
        public IReadOnlyList<float> Sigmas => _sigmas;
        /// <inheritdoc />
        public float InitNoiseSigma => 1f;
        /// <summary>Index of the next step, or -1 before the first step call.</summary>
        public int StepIndex => _stepIndex;

        /// <inheritdoc />
        public void SetTimesteps(int inferenceSteps)
        {
            int trainSteps = _config.NumTrainTimesteps;
            NoiseSchedule.CheckSteps(inferenceSteps, trainSteps);
            // clipped_idx = searchsorted(flip(lambda_t), lambda_min_clipped); last_timestep = T - clipped_idx
            int clipped = 0;
            while (clipped < _lambdas.Length && _lambdas[_lambdas.Length - 1 - clipped] < _config.LambdaMinClipped) clipped++;
            int lastTimestep = trainSteps - clipped;

            var timesteps = new List<double>();
            switch (_config.TimestepSpacing ?? TimestepSpacing.Linspace)
            {
                case TimestepSpacing.Linspace:
                {
                    var lin = NoiseSchedule.NumpyLinspace(0, lastTimestep - 1, inferenceSteps + 1);
                    for (int i = inferenceSteps; i >= 1; i--) timesteps.Add(NoiseSchedule.Round(lin[i]));
                    break;
                }
                case TimestepSpacing.Leading:
                {
                    int ratio = lastTimestep / (inferenceSteps + 1);
                    for (int i = inferenceSteps; i >= 1; i--) timesteps.Add((long)i * ratio + _config.StepsOffset);
                    break;
                }
                default:
                {
                    var ar = NoiseSchedule.NumpyArange(lastTimestep, 0, -(double)trainSteps / inferenceSteps);
                    foreach (var v in ar) timesteps.Add(NoiseSchedule.Round(v) - 1);
                    break;
                }
            }

            var final = _config.FinalSigmasType;
            float sigmaMinTraining = (float)Math.Sqrt((1f - _alphasCumprod[0]) / _alphasCumprod[0]);
            double[] sigmas;
            if (_config.UseKarrasSigmas)
            {
                // Karras over the whole training range (flip(sigmas): min = sigmas[0], max = sigmas[-1]).
                double sigmaMin = _config.SigmaMin ?? _trainingSigmas[0];
                double sigmaMax = _config.SigmaMax ?? _trainingSigmas[_trainingSigmas.Length - 1];
                var karras = NoiseSchedule.Karras(sigmaMin, sigmaMax, inferenceSteps);
                timesteps.Clear();
                foreach (var s in karras) timesteps.Add(NoiseSchedule.Round(NoiseSchedule.SigmaToT(s, _logSigmas)));
                sigmas = new double[karras.Length + 1];
                Array.Copy(karras, sigmas, karras.Length);
                // 0.25.1 repeats the last Karras sigma; 0.26+ appends sigma_min or zero.
                sigmas[karras.Length] = final == null ? karras[karras.Length - 1] : final == FinalSigmasType.Zero ? 0 : sigmaMinTraining;
            }
            else
            {
                sigmas = new double[timesteps.Count + 1];
                for (int i = 0; i < timesteps.Count; i++) sigmas[i] = NoiseSchedule.Interp(timesteps[i], _trainingSigmas);
                sigmas[timesteps.Count] = final == FinalSigmasType.Zero ? 0 : sigmaMinTraining;
            }

            _timesteps = new float[timesteps.Count];
            for (int i = 0; i < _timesteps.Length; i++) _timesteps[i] = (float)timesteps[i];
            _sigmas = new float[sigmas.Length];
            for (int i = 0; i < sigmas.Length; i++) _sigmas[i] = (float)sigmas[i];
            _stepIndex = -1;
            _lowerOrderNums = 0;
            _previousOutput = null;
        }

        void InitStepIndex(float timestep)
        {
            if (_timesteps.Length == 0)
                throw new InstantIdException("DpmSolverMultistepScheduler: call SetTimesteps before stepping.");
            int index = NoiseSchedule.IndexForTimestep(_timesteps, timestep);
            // diffusers falls back to the last step for an unknown timestep.
            _stepIndex = index < 0 ? _timesteps.Length - 1 : index;
        }

        /// <inheritdoc />
        public void ScaleModelInput(ReadOnlySpan<float> sample, float timestep, Span<float> destination) =>
            NoiseSchedule.CopyUnscaled(sample, destination);

        // _sigma_to_alpha_sigma_t in float32
        static void AlphaSigma(float sigma, out float alpha, out float sigmaT)
        {
            alpha = 1f / (float)Math.Sqrt(sigma * sigma + 1f);
            sigmaT = sigma * alpha;
        }

        static float Lambda(float alpha, float sigma) => (float)Math.Log(alpha) - (float)Math.Log(sigma);

        /// <inheritdoc />
        /// <remarks><paramref name="predOriginal"/> receives the data prediction x0 the solver integrates.</remarks>
        public void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample,
            Span<float> prevSample, Span<float> predOriginal, INoiseSource? noise)
        {
            bool writeOriginal = NoiseSchedule.CheckStepBuffers(sample.Length, modelOutput.Length, prevSample.Length, predOriginal.Length);
            if (_stepIndex < 0) InitStepIndex(timestep);
            if (_stepIndex >= _timesteps.Length)
                throw new InstantIdException("DpmSolverMultistepScheduler: the schedule is finished; call SetTimesteps again.");

            int n = _timesteps.Length;
            bool lowerOrderFinal = _stepIndex == n - 1 &&
                (_config.EulerAtFinal || (_config.LowerOrderFinal && n < 15) || _config.FinalSigmasType == FinalSigmasType.Zero);

            // convert_model_output: the data prediction x0.
            float sigma = _sigmas[_stepIndex];
            AlphaSigma(sigma, out var alphaS0, out var sigmaS0);
            if (_currentOutput == null || _currentOutput.Length != sample.Length) _currentOutput = new float[sample.Length];
            var x0 = _currentOutput;
            for (int i = 0; i < sample.Length; i++)
            {
                float x = sample[i], m = modelOutput[i];
                x0[i] = _config.PredictionType switch
                {
                    PredictionType.Epsilon => (x - sigmaS0 * m) / alphaS0,
                    PredictionType.Sample => m,
                    _ => alphaS0 * x - sigmaS0 * m,
                };
            }
            if (writeOriginal) x0.AsSpan().CopyTo(predOriginal);

            AlphaSigma(_sigmas[_stepIndex + 1], out var alphaT, out var sigmaT);
            float lambdaT = Lambda(alphaT, sigmaT), lambdaS0 = Lambda(alphaS0, sigmaS0);
            float h = lambdaT - lambdaS0;
            float expNegHMinus1 = (float)Math.Exp(-h) - 1f;
            float sampleScale = sigmaT / sigmaS0;
            float d0Scale = alphaT * expNegHMinus1;

            bool firstOrder = _config.SolverOrder == 1 || _lowerOrderNums < 1 || lowerOrderFinal || _previousOutput == null;
            if (firstOrder)
            {
                // dpm_solver_first_order_update (= DDIM in the data-prediction form)
                for (int i = 0; i < sample.Length; i++) prevSample[i] = sampleScale * sample[i] - d0Scale * x0[i];
            }
            else
            {
                // multistep_dpm_solver_second_order_update
                AlphaSigma(_sigmas[_stepIndex - 1], out var alphaS1, out var sigmaS1);
                float lambdaS1 = Lambda(alphaS1, sigmaS1);
                float h0 = lambdaS0 - lambdaS1;
                float r0 = h0 / h;
                float invR0 = 1f / r0;
                float d1Scale = _config.SolverType == DpmSolverType.Midpoint
                    ? 0.5f * d0Scale
                    : alphaT * (expNegHMinus1 / h + 1f);
                var m1 = _previousOutput!;
                bool midpoint = _config.SolverType == DpmSolverType.Midpoint;
                for (int i = 0; i < sample.Length; i++)
                {
                    float d1 = invR0 * (x0[i] - m1[i]);
                    float a = sampleScale * sample[i] - d0Scale * x0[i];
                    prevSample[i] = midpoint ? a - d1Scale * d1 : a + d1Scale * d1;
                }
            }

            // Keep this step's x0 for the next multistep update (diffusers' model_outputs shift).
            _currentOutput = _previousOutput != null && _previousOutput.Length == sample.Length ? _previousOutput : null;
            _previousOutput = x0;
            if (_lowerOrderNums < _config.SolverOrder) _lowerOrderNums++;
            _stepIndex++;
        }

        /// <inheritdoc />
        public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
        {
            NoiseSchedule.CheckLengths(original.Length, noise.Length, nameof(noise));
            NoiseSchedule.CheckLengths(original.Length, destination.Length, nameof(destination));
            if (_timesteps.Length == 0)
                throw new InstantIdException("DpmSolverMultistepScheduler.AddNoise: call SetTimesteps first.");
            int index = NoiseSchedule.IndexForTimestep(_timesteps, timestep);
            if (index < 0) index = _timesteps.Length - 1;
            AlphaSigma(_sigmas[index], out var alpha, out var sigma);
            for (int i = 0; i < original.Length; i++) destination[i] = alpha * original[i] + sigma * noise[i];
        }
    }
}
