using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>
    /// Latent Consistency Model multistep sampler, matching diffusers 0.25.1's <c>LCMScheduler</c> (for LCM-LoRA /
    /// LCM-distilled SDXL). Draws one noise tensor per step except the last.
    /// </summary>
    public sealed class LcmScheduler : IScheduler
    {
        const float SigmaData = 0.5f;

        readonly SchedulerConfig _config;
        readonly float[] _betas;
        readonly float[] _alphasCumprod;
        readonly float _finalAlphaCumprod;
        float[] _timesteps = Array.Empty<float>();
        float[] _noise = Array.Empty<float>();
        int _stepIndex = -1;

        /// <summary>Builds the scheduler from a diffusers config (class defaults as diffusers' constructor).</summary>
        /// <exception cref="InstantIdException">The config asks for something this port does not implement.</exception>
        public LcmScheduler(SchedulerConfig config)
        {
            _config = (config ?? throw new ArgumentNullException(nameof(config))).Clone();
            NoiseSchedule.RejectThresholding(_config, "LcmScheduler");
            if (_config.OriginalInferenceSteps > _config.NumTrainTimesteps)
                throw new InstantIdException($"LcmScheduler: original_inference_steps ({_config.OriginalInferenceSteps}) cannot exceed num_train_timesteps ({_config.NumTrainTimesteps}).");
            _betas = NoiseSchedule.Betas(_config, 0.00085, 0.012, BetaSchedule.ScaledLinear);
            _alphasCumprod = NoiseSchedule.AlphasCumprod(_betas);
            _finalAlphaCumprod = NoiseSchedule.FinalAlphaCumprod(_config, _alphasCumprod);
        }

        /// <summary>The resolved configuration (a private copy).</summary>
        public SchedulerConfig Config => _config.Clone();
        /// <summary>Training betas (float32, as torch computes them).</summary>
        public IReadOnlyList<float> Betas => _betas;
        /// <summary>Cumulative products of 1 - beta (float32, as torch computes them).</summary>
        public IReadOnlyList<float> AlphasCumprod => _alphasCumprod;
        /// <inheritdoc />
        public IReadOnlyList<float> Timesteps => _timesteps;
        /// <inheritdoc />
        public float InitNoiseSigma => 1f;
        /// <summary>Index of the next step, or -1 before the first step call.</summary>
        public int StepIndex => _stepIndex;

        /// <inheritdoc />
        /// <exception cref="InstantIdException">More steps than original_inference_steps (LCM picks a subset of that schedule).</exception>
        public void SetTimesteps(int inferenceSteps)
        {
            int trainSteps = _config.NumTrainTimesteps, original = _config.OriginalInferenceSteps;
            NoiseSchedule.CheckSteps(inferenceSteps, trainSteps);
            if (inferenceSteps > original)
                throw new InstantIdException($"LcmScheduler: {inferenceSteps} steps is more than original_inference_steps ({original}); use at most {original} steps (LCM typically uses 4-8).");
            // The distillation schedule k-1, 2k-1, ... (k = T // original steps), walked from the top, taking
            // floor(linspace(0, original, n, endpoint=False)) indices.
            int k = trainSteps / original;
            var result = new float[inferenceSteps];
            double stride = (double)original / inferenceSteps;
            for (int i = 0; i < inferenceSteps; i++)
            {
                int index = (int)Math.Floor(i * stride);
                result[i] = (original - index) * k - 1;
            }
            _timesteps = result;
            _stepIndex = -1;
        }

        int TrainIndex(float timestep, string caller) => NoiseSchedule.TrainIndex("LcmScheduler", caller, _alphasCumprod.Length, timestep);

        /// <inheritdoc />
        public void ScaleModelInput(ReadOnlySpan<float> sample, float timestep, Span<float> destination) =>
            NoiseSchedule.CopyUnscaled(sample, destination);

        /// <inheritdoc />
        /// <remarks><paramref name="predOriginal"/> receives diffusers' <c>denoised</c> (the boundary-scaled x0).</remarks>
        /// <exception cref="InstantIdException"><paramref name="noise"/> is null on a step that needs fresh noise.</exception>
        public void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample,
            Span<float> prevSample, Span<float> predOriginal, INoiseSource? noise)
        {
            bool writeOriginal = NoiseSchedule.CheckStepBuffers(sample.Length, modelOutput.Length, prevSample.Length, predOriginal.Length);
            if (_timesteps.Length == 0)
                throw new InstantIdException("LcmScheduler: call SetTimesteps before stepping.");
            int t = TrainIndex(timestep, nameof(Step));
            if (_stepIndex < 0)
            {
                _stepIndex = NoiseSchedule.IndexForTimestep(_timesteps, timestep);
                if (_stepIndex < 0)
                    throw new InstantIdException($"LcmScheduler: timestep {timestep} is not in the current schedule; pass one of Timesteps.");
            }
            if (_stepIndex >= _timesteps.Length)
                throw new InstantIdException("LcmScheduler: the schedule is finished; call SetTimesteps again.");
            int prevIndex = _stepIndex + 1;
            int prevT = prevIndex < _timesteps.Length ? (int)_timesteps[prevIndex] : t;

            float alphaProdT = _alphasCumprod[t];
            float alphaProdPrev = prevT >= 0 ? _alphasCumprod[prevT] : _finalAlphaCumprod;
            float betaProdT = 1f - alphaProdT, betaProdPrev = 1f - alphaProdPrev;
            float sqrtAlpha = (float)Math.Sqrt(alphaProdT), sqrtBeta = (float)Math.Sqrt(betaProdT);
            // get_scalings_for_boundary_condition_discrete: the int64 timestep times a Python float is a float32 tensor.
            float scaled = t * (float)_config.TimestepScaling;
            float cSkip = SigmaData * SigmaData / (scaled * scaled + SigmaData * SigmaData);
            float cOut = scaled / (float)Math.Sqrt(scaled * scaled + SigmaData * SigmaData);
            bool last = _stepIndex == _timesteps.Length - 1;
            float sqrtAlphaPrev = (float)Math.Sqrt(alphaProdPrev), sqrtBetaPrev = (float)Math.Sqrt(betaProdPrev);
            bool clip = _config.ClipSample ?? false;
            float range = (float)_config.ClipSampleRange;

            if (!last)
            {
                if (noise == null)
                    throw new InstantIdException("LcmScheduler.Step needs a noise source (it re-noises after every step but the last); pass an INoiseSource.");
                if (_noise.Length != sample.Length) _noise = new float[sample.Length];
                noise.Fill(_noise);
            }

            for (int i = 0; i < sample.Length; i++)
            {
                float x = sample[i], m = modelOutput[i];
                float x0 = _config.PredictionType switch
                {
                    PredictionType.Epsilon => (x - sqrtBeta * m) / sqrtAlpha,
                    PredictionType.Sample => m,
                    _ => sqrtAlpha * x - sqrtBeta * m,
                };
                if (clip) x0 = Math.Min(Math.Max(x0, -range), range);
                float denoised = cOut * x0 + cSkip * x;
                prevSample[i] = last ? denoised : sqrtAlphaPrev * denoised + sqrtBetaPrev * _noise[i];
                if (writeOriginal) predOriginal[i] = denoised;
            }
            _stepIndex++;
        }

        /// <inheritdoc />
        public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
            DdimScheduler.AddNoiseVp(_alphasCumprod, TrainIndex(timestep, nameof(AddNoise)), original, noise, destination);
    }
}
