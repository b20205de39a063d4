using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>
    /// Ancestral Euler sampler ("Euler a"), matching diffusers 0.25.1's <c>EulerAncestralDiscreteScheduler</c>:
    /// an Euler step down to sigma_down followed by fresh noise of scale sigma_up. Draws one noise tensor per step.
    /// </summary>
    public sealed class EulerAncestralDiscreteScheduler : IScheduler
    {
        readonly SchedulerConfig _config;
        readonly float[] _betas;
        readonly float[] _alphasCumprod;
        readonly float[] _trainingSigmas;
        readonly float[] _logSigmas;
        float[] _timesteps = Array.Empty<float>();
        float[] _sigmas;
        float _initNoiseSigma;
        int _stepIndex = -1;
        float[] _noise = Array.Empty<float>();

        /// <summary>Builds the scheduler from a diffusers config (class defaults as diffusers' constructor).</summary>
        /// <exception cref="InstantIdException">The config asks for something this port does not implement.</exception>
        public EulerAncestralDiscreteScheduler(SchedulerConfig config)
        {
            _config = (config ?? throw new ArgumentNullException(nameof(config))).Clone();
            if (_config.PredictionType == PredictionType.Sample)
                throw new InstantIdException("EulerAncestralDiscreteScheduler: prediction_type \"sample\" is not implemented (nor is it in diffusers); use epsilon or v_prediction.");
            // The ancestral scheduler has no Karras / log-linear / final-sigma options in diffusers: from_config ignores them.
            _config.UseKarrasSigmas = false;
            _config.InterpolationType = InterpolationType.Linear;
            _config.FinalSigmasType = FinalSigmasType.Zero;
            _betas = NoiseSchedule.Betas(_config, 0.0001, 0.02, BetaSchedule.Linear);
            _alphasCumprod = NoiseSchedule.AlphasCumprod(_betas);
            _trainingSigmas = NoiseSchedule.TrainingSigmas(_alphasCumprod);
            _logSigmas = NoiseSchedule.Log(_trainingSigmas);
            _sigmas = EulerDiscreteScheduler.UntimedSigmas(_trainingSigmas);
            _initNoiseSigma = EulerDiscreteScheduler.InitNoiseSigmaFor(_config, _sigmas);
        }

        /// <summary>The resolved configuration (a private copy).</summary>
        public SchedulerConfig Config => _config.Clone();
        /// <summary>Training betas (float32, as torch computes them).</summary>
        public IReadOnlyList<float> Betas => _betas;
        /// <summary>Cumulative products of 1 - beta (float32, as torch computes them).</summary>
        public IReadOnlyList<float> AlphasCumprod => _alphasCumprod;
        /// <inheritdoc />
        public IReadOnlyList<float> Timesteps => _timesteps;
        /// <summary>Noise level per step, plus the final zero (length = steps + 1).</summary>
        public IReadOnlyList<float> Sigmas => _sigmas;
        /// <inheritdoc />
        public float InitNoiseSigma => _initNoiseSigma;
        /// <summary>Index of the next step, or -1 before the first scale/step call.</summary>
        public int StepIndex => _stepIndex;

        /// <inheritdoc />
        public void SetTimesteps(int inferenceSteps)
        {
            (_timesteps, _sigmas) = EulerDiscreteScheduler.BuildSchedule(_config, _trainingSigmas, _logSigmas, _alphasCumprod, inferenceSteps);
            _initNoiseSigma = EulerDiscreteScheduler.InitNoiseSigmaFor(_config, _sigmas);
            _stepIndex = -1;
        }

        void InitStepIndex(float timestep) => _stepIndex = NoiseSchedule.StepIndexFor("EulerAncestralDiscreteScheduler", _timesteps, timestep);

        /// <inheritdoc />
        public void ScaleModelInput(ReadOnlySpan<float> sample, float timestep, Span<float> destination)
        {
            if (_stepIndex < 0) InitStepIndex(timestep);
            NoiseSchedule.ScaleForSigma(sample, _sigmas[_stepIndex], destination);
        }

        /// <inheritdoc />
        /// <exception cref="InstantIdException"><paramref name="noise"/> is null (this sampler needs fresh noise every step).</exception>
        public void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample,
            Span<float> prevSample, Span<float> predOriginal, INoiseSource? noise)
        {
            bool writeOriginal = NoiseSchedule.CheckStepBuffers(sample.Length, modelOutput.Length, prevSample.Length, predOriginal.Length);
            if (noise == null)
                throw new InstantIdException("EulerAncestralDiscreteScheduler.Step needs a noise source (it adds fresh noise every step); pass an INoiseSource.");
            if (_stepIndex < 0) InitStepIndex(timestep);
            if (_stepIndex >= _timesteps.Length)
                throw new InstantIdException("EulerAncestralDiscreteScheduler: the schedule is finished; call SetTimesteps again.");

            float sigma = _sigmas[_stepIndex];
            float sigmaTo = _sigmas[_stepIndex + 1];
            float sigmaToSq = sigmaTo * sigmaTo, sigmaFromSq = sigma * sigma;
            // The same float32 operation order as diffusers' step().
            float sigmaUp = (float)Math.Sqrt(sigmaToSq * (sigmaFromSq - sigmaToSq) / sigmaFromSq);
            float sigmaDown = (float)Math.Sqrt(sigmaToSq - sigmaUp * sigmaUp);
            float dt = sigmaDown - sigma;
            float vScaleOut = -sigma / (float)Math.Sqrt(sigma * sigma + 1f);
            float vScaleIn = sigma * sigma + 1f;

            if (_noise.Length != sample.Length) _noise = new float[sample.Length];
            noise.Fill(_noise);
            bool epsilon = _config.PredictionType == PredictionType.Epsilon;
            for (int i = 0; i < sample.Length; i++)
            {
                float x = sample[i], m = modelOutput[i];
                float x0 = epsilon ? x - sigma * m : m * vScaleOut + x / vScaleIn;
                float derivative = (x - x0) / sigma;
                float prev = x + derivative * dt;
                prevSample[i] = prev + _noise[i] * sigmaUp;
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
                throw new InstantIdException($"EulerAncestralDiscreteScheduler.AddNoise: timestep {timestep} is not in the current schedule; call SetTimesteps and pass one of Timesteps.");
            float sigma = _sigmas[index];
            for (int i = 0; i < original.Length; i++) destination[i] = original[i] + noise[i] * sigma;
        }
    }
}
