using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>
    /// DDIM (Song et al. 2020), matching diffusers 0.25.1's <c>DDIMScheduler</c>. Deterministic with the default
    /// <see cref="Eta"/> = 0; with eta &gt; 0 it draws one noise tensor per step.
    /// </summary>
    public sealed class DdimScheduler : IScheduler
    {
        readonly SchedulerConfig _config;
        readonly float[] _betas;
        readonly float[] _alphasCumprod;
        readonly float _finalAlphaCumprod;
        float[] _timesteps = Array.Empty<float>();
        float[] _noise = Array.Empty<float>();
        int _inferenceSteps;

        /// <summary>Builds the scheduler from a diffusers config (class defaults as diffusers' constructor).</summary>
        /// <exception cref="InstantIdException">The config asks for something this port does not implement.</exception>
        public DdimScheduler(SchedulerConfig config)
        {
            _config = (config ?? throw new ArgumentNullException(nameof(config))).Clone();
            NoiseSchedule.RejectThresholding(_config, "DdimScheduler");
            _betas = NoiseSchedule.Betas(_config, 0.0001, 0.02, BetaSchedule.Linear);
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
        /// <summary>DDIM's eta (0 = deterministic DDIM, 1 = DDPM-like); diffusers passes it to step().</summary>
        public float Eta { get; set; }

        /// <inheritdoc />
        public void SetTimesteps(int inferenceSteps)
        {
            int trainSteps = _config.NumTrainTimesteps;
            NoiseSchedule.CheckSteps(inferenceSteps, trainSteps);
            _inferenceSteps = inferenceSteps;
            _timesteps = IntegerTimesteps(_config.TimestepSpacing ?? TimestepSpacing.Leading, trainSteps, inferenceSteps, _config.StepsOffset);
        }

        /// <summary>diffusers' DDIM set_timesteps tables (int64 timesteps).</summary>
        internal static float[] IntegerTimesteps(TimestepSpacing spacing, int trainSteps, int inferenceSteps, int stepsOffset)
        {
            var result = new List<float>();
            switch (spacing)
            {
                case TimestepSpacing.Linspace:
                {
                    var lin = NoiseSchedule.NumpyLinspace(0, trainSteps - 1, inferenceSteps);
                    for (int i = inferenceSteps - 1; i >= 0; i--) result.Add((float)NoiseSchedule.Round(lin[i]));
                    break;
                }
                case TimestepSpacing.Leading:
                {
                    int ratio = trainSteps / inferenceSteps;
                    for (int i = inferenceSteps - 1; i >= 0; i--) result.Add(i * ratio + stepsOffset);
                    break;
                }
                default:
                {
                    var ar = NoiseSchedule.NumpyArange(trainSteps, 0, -(double)trainSteps / inferenceSteps);
                    foreach (var v in ar) result.Add((float)(NoiseSchedule.Round(v) - 1));
                    break;
                }
            }
            return result.ToArray();
        }

        int TrainIndex(float timestep, string caller) => NoiseSchedule.TrainIndex("DdimScheduler", caller, _alphasCumprod.Length, timestep);

        /// <inheritdoc />
        public void ScaleModelInput(ReadOnlySpan<float> sample, float timestep, Span<float> destination) =>
            NoiseSchedule.CopyUnscaled(sample, destination);

        /// <inheritdoc />
        public void Step(ReadOnlySpan<float> modelOutput, float timestep, ReadOnlySpan<float> sample,
            Span<float> prevSample, Span<float> predOriginal, INoiseSource? noise)
        {
            bool writeOriginal = NoiseSchedule.CheckStepBuffers(sample.Length, modelOutput.Length, prevSample.Length, predOriginal.Length);
            if (_inferenceSteps == 0)
                throw new InstantIdException("DdimScheduler: call SetTimesteps before stepping.");
            int t = TrainIndex(timestep, nameof(Step));
            int prevT = t - _config.NumTrainTimesteps / _inferenceSteps;

            float alphaProdT = _alphasCumprod[t];
            float alphaProdPrev = prevT >= 0 ? _alphasCumprod[prevT] : _finalAlphaCumprod;
            float betaProdT = 1f - alphaProdT;
            float sqrtAlpha = (float)Math.Sqrt(alphaProdT), sqrtBeta = (float)Math.Sqrt(betaProdT);
            // _get_variance, then std_dev_t = eta * variance ** 0.5
            float betaProdPrev = 1f - alphaProdPrev;
            float variance = (betaProdPrev / betaProdT) * (1f - alphaProdT / alphaProdPrev);
            float stdDev = Eta * (float)Math.Sqrt(variance);
            float directionScale = (float)Math.Sqrt(1f - alphaProdPrev - stdDev * stdDev);
            float sqrtAlphaPrev = (float)Math.Sqrt(alphaProdPrev);
            bool clip = _config.ClipSample ?? true;
            float range = (float)_config.ClipSampleRange;

            if (Eta > 0)
            {
                if (noise == null)
                    throw new InstantIdException("DdimScheduler.Step with Eta > 0 needs a noise source; pass an INoiseSource or set Eta to 0.");
                if (_noise.Length != sample.Length) _noise = new float[sample.Length];
                noise.Fill(_noise);
            }

            for (int i = 0; i < sample.Length; i++)
            {
                float x = sample[i], m = modelOutput[i];
                float x0, eps;
                switch (_config.PredictionType)
                {
                    case PredictionType.Epsilon:
                        x0 = (x - sqrtBeta * m) / sqrtAlpha;
                        eps = m;
                        break;
                    case PredictionType.Sample:
                        x0 = m;
                        eps = (x - sqrtAlpha * x0) / sqrtBeta;
                        break;
                    default:
                        x0 = sqrtAlpha * x - sqrtBeta * m;
                        eps = sqrtAlpha * m + sqrtBeta * x;
                        break;
                }
                if (clip) x0 = Math.Min(Math.Max(x0, -range), range);
                float prev = sqrtAlphaPrev * x0 + directionScale * eps;
                if (Eta > 0) prev += stdDev * _noise[i];
                prevSample[i] = prev;
                if (writeOriginal) predOriginal[i] = x0;
            }
        }

        /// <inheritdoc />
        public void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination) =>
            AddNoiseVp(_alphasCumprod, TrainIndex(timestep, nameof(AddNoise)), original, noise, destination);

        /// <summary>diffusers' DDPM-family add_noise: sqrt(ᾱ_t)·x0 + sqrt(1-ᾱ_t)·noise, in float32.</summary>
        internal static void AddNoiseVp(float[] alphasCumprod, int t, ReadOnlySpan<float> original, ReadOnlySpan<float> noise, Span<float> destination)
        {
            NoiseSchedule.CheckLengths(original.Length, noise.Length, nameof(noise));
            NoiseSchedule.CheckLengths(original.Length, destination.Length, nameof(destination));
            float a = (float)Math.Sqrt(alphasCumprod[t]);
            float b = (float)Math.Sqrt(1f - alphasCumprod[t]);
            for (int i = 0; i < original.Length; i++) destination[i] = a * original[i] + b * noise[i];
        }
    }
}
