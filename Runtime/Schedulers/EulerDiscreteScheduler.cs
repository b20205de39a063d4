using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>
    /// Euler sampler (Karras et al. 2022, Algorithm 2 with s_churn = 0), matching diffusers 0.25.1's
    /// <c>EulerDiscreteScheduler</c> — the scheduler of SDXL base and of the InstantID pipeline.
    /// </summary>
    public sealed class EulerDiscreteScheduler : IScheduler
    {
        readonly SchedulerConfig _config;
        readonly float[] _betas;
        readonly float[] _alphasCumprod;
        readonly float[] _trainingSigmas;
        readonly float[] _logSigmas;
        float[] _timesteps = Array.Empty<float>();
        float[] _sigmas = Array.Empty<float>();
        float _initNoiseSigma;
        int _stepIndex = -1;

        /// <summary>Builds the scheduler from a diffusers config (class defaults as diffusers' constructor).</summary>
        /// <exception cref="InstantIdException">The config asks for something this port does not implement.</exception>
        public EulerDiscreteScheduler(SchedulerConfig config)
        {
            _config = (config ?? throw new ArgumentNullException(nameof(config))).Clone();
            if (_config.TimestepType != "discrete")
                throw new InstantIdException("EulerDiscreteScheduler: timestep_type \"continuous\" is not supported; use \"discrete\".");
            _betas = NoiseSchedule.Betas(_config, 0.0001, 0.02, BetaSchedule.Linear);
            _alphasCumprod = NoiseSchedule.AlphasCumprod(_betas);
            _trainingSigmas = NoiseSchedule.TrainingSigmas(_alphasCumprod);
            _logSigmas = NoiseSchedule.Log(_trainingSigmas);
            _sigmas = UntimedSigmas(_trainingSigmas);
            _initNoiseSigma = InitNoiseSigmaFor(_config, _sigmas);
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
        public float InitNoiseSigma => _initNoiseSigma;
        /// <summary>Index of the next step, or -1 before the first scale/step call.</summary>
        public int StepIndex => _stepIndex;

        /// <inheritdoc />
        public void SetTimesteps(int inferenceSteps)
        {
            (_timesteps, _sigmas) = BuildSchedule(_config, _trainingSigmas, _logSigmas, _alphasCumprod, inferenceSteps);
            _initNoiseSigma = InitNoiseSigmaFor(_config, _sigmas);
            _stepIndex = -1;
        }

        /// <summary>
        /// The timestep and sigma tables of diffusers' Euler set_timesteps: timesteps as numpy builds them, sigmas
        /// interpolated in float64 over the float32 training sigmas, both cast to float32; the final sigma appended.
        /// Shared with <see cref="EulerAncestralDiscreteScheduler"/>.
        /// </summary>
        internal static (float[] Timesteps, float[] Sigmas) BuildSchedule(SchedulerConfig config, float[] trainingSigmas,
            float[] logSigmas, float[] alphasCumprod, int inferenceSteps)
        {
            int trainSteps = config.NumTrainTimesteps;
            NoiseSchedule.CheckSteps(inferenceSteps, trainSteps);
            var spacing = config.TimestepSpacing ?? TimestepSpacing.Linspace;
            double[] timesteps;
            switch (spacing)
            {
                case TimestepSpacing.Linspace:
                {
                    // np.linspace(0, T-1, n, dtype=float32)[::-1]
                    var lin = NoiseSchedule.NumpyLinspace(0, trainSteps - 1, inferenceSteps);
                    timesteps = new double[inferenceSteps];
                    for (int i = 0; i < inferenceSteps; i++) timesteps[i] = (float)lin[inferenceSteps - 1 - i];
                    break;
                }
                case TimestepSpacing.Leading:
                {
                    int ratio = trainSteps / inferenceSteps;
                    timesteps = new double[inferenceSteps];
                    for (int i = 0; i < inferenceSteps; i++) timesteps[i] = (float)((inferenceSteps - 1 - i) * ratio) + (float)config.StepsOffset;
                    break;
                }
                default:
                {
                    double ratio = (double)trainSteps / inferenceSteps;
                    var ar = NoiseSchedule.NumpyArange(trainSteps, 0, -ratio);
                    timesteps = new double[ar.Length];
                    for (int i = 0; i < ar.Length; i++) timesteps[i] = (float)NoiseSchedule.Round(ar[i]) - 1f;
                    break;
                }
            }

            int n = timesteps.Length;
            double[] sigmas;
            if (config.InterpolationType == InterpolationType.Linear)
            {
                sigmas = new double[n];
                for (int i = 0; i < n; i++) sigmas[i] = NoiseSchedule.Interp(timesteps[i], trainingSigmas);
            }
            else
            {
                // torch.linspace(log(sigmas[-1]), log(sigmas[0]), n + 1).exp() — as upstream (ascending, n + 1 values).
                var lin = NoiseSchedule.TorchLinspace(Math.Log(trainingSigmas[trainingSigmas.Length - 1]), Math.Log(trainingSigmas[0]), n + 1);
                sigmas = new double[n + 1];
                for (int i = 0; i < sigmas.Length; i++) sigmas[i] = (float)Math.Exp(lin[i]);
            }

            if (config.UseKarrasSigmas)
            {
                double sigmaMin = config.SigmaMin ?? sigmas[sigmas.Length - 1];
                double sigmaMax = config.SigmaMax ?? sigmas[0];
                sigmas = NoiseSchedule.Karras(sigmaMin, sigmaMax, inferenceSteps);
                timesteps = new double[sigmas.Length];
                for (int i = 0; i < sigmas.Length; i++) timesteps[i] = NoiseSchedule.SigmaToT(sigmas[i], logSigmas);
            }

            var outTimesteps = new float[timesteps.Length];
            for (int i = 0; i < timesteps.Length; i++) outTimesteps[i] = (float)timesteps[i];
            float last = (config.FinalSigmasType ?? FinalSigmasType.Zero) == FinalSigmasType.Zero
                ? 0f
                : (float)Math.Sqrt((1f - alphasCumprod[0]) / alphasCumprod[0]);
            var outSigmas = new float[sigmas.Length + 1];
            for (int i = 0; i < sigmas.Length; i++) outSigmas[i] = (float)sigmas[i];
            outSigmas[sigmas.Length] = last;
            return (outTimesteps, outSigmas);
        }

        /// <summary>
        /// The sigma table before set_timesteps: diffusers holds the full training schedule (descending, a trailing 0),
        /// and init_noise_sigma reads its maximum. Shared with <see cref="EulerAncestralDiscreteScheduler"/>.
        /// </summary>
        internal static float[] UntimedSigmas(float[] trainingSigmas)
        {
            var sigmas = new float[trainingSigmas.Length + 1];
            for (int i = 0; i < trainingSigmas.Length; i++) sigmas[i] = trainingSigmas[trainingSigmas.Length - 1 - i];
            return sigmas;
        }

        /// <summary>diffusers' Euler init_noise_sigma. Shared with <see cref="EulerAncestralDiscreteScheduler"/>.</summary>
        internal static float InitNoiseSigmaFor(SchedulerConfig config, float[] sigmas)
        {
            float max = 0;
            foreach (var s in sigmas) max = Math.Max(max, s);
            var spacing = config.TimestepSpacing ?? TimestepSpacing.Linspace;
            // Leading spacing never reaches the top training sigma, so diffusers scales for a variance-preserving start.
            return spacing == TimestepSpacing.Leading ? (float)Math.Sqrt(max * max + 1f) : max;
        }

        void InitStepIndex(float timestep) => _stepIndex = NoiseSchedule.StepIndexFor("EulerDiscreteScheduler", _timesteps, timestep);

        /// <inheritdoc />
        public void ScaleModelInput(ReadOnlySpan<float> sample, float timestep, Span<float> destination)
        {
            if (_stepIndex < 0) InitStepIndex(timestep);
            NoiseSchedule.ScaleForSigma(sample, _sigmas[_stepIndex], destination);
        }

        /// <inheritdoc />
        public void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample,
            Span<float> prevSample, Span<float> predOriginal, INoiseSource? noise)
        {
            bool writeOriginal = NoiseSchedule.CheckStepBuffers(sample.Length, modelOutput.Length, prevSample.Length, predOriginal.Length);
            if (_stepIndex < 0) InitStepIndex(timestep);
            if (_stepIndex >= _timesteps.Length)
                throw new InstantIdException("EulerDiscreteScheduler: the schedule is finished; call SetTimesteps again.");

            // s_churn = 0 → gamma = 0 → sigma_hat = sigma, and no noise is used (0.25.1 drew and discarded one).
            float sigma = _sigmas[_stepIndex];
            float dt = _sigmas[_stepIndex + 1] - sigma;
            var prediction = _config.PredictionType;
            float vScaleOut = -sigma / (float)Math.Sqrt(sigma * sigma + 1f);
            float vScaleIn = sigma * sigma + 1f;
            for (int i = 0; i < sample.Length; i++)
            {
                float x = sample[i], m = modelOutput[i];
                float x0 = prediction switch
                {
                    PredictionType.Epsilon => x - sigma * m,
                    PredictionType.VPrediction => m * vScaleOut + x / vScaleIn,
                    _ => m,
                };
                float derivative = (x - x0) / sigma;
                prevSample[i] = x + derivative * dt;
                if (writeOriginal) predOriginal[i] = x0;
            }
            _stepIndex++;
        }

        /// <inheritdoc />
        public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
        {
            NoiseSchedule.CheckLengths(original.Length, noise.Length, nameof(noise));
            NoiseSchedule.CheckLengths(original.Length, destination.Length, nameof(destination));
            int index = Array.IndexOf(_timesteps, timestep);
            if (index < 0)
                throw new InstantIdException($"EulerDiscreteScheduler.AddNoise: timestep {timestep} is not in the current schedule; call SetTimesteps and pass one of Timesteps.");
            float sigma = _sigmas[index];
            for (int i = 0; i < original.Length; i++) destination[i] = original[i] + noise[i] * sigma;
        }
    }
}
