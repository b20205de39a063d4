using InstantIdAvatars.Models;
using System;
using BenchmarkDotNet.Attributes;
using InstantIdAvatars.Diffusion;
using InstantIdAvatars.Schedulers;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InstantIdAvatars.Benchmarks
{
    /// <summary>
    /// Host-side cost of one SDXL denoising step at 1024×1024 (latent 128×128, CFG batch 2), i.e. everything the
    /// loop does outside InferenceSession.Run: handing IdentityNet's residuals to the UNet (read + write, float32 or
    /// float16 conversion), writing the sample, guidance, scale_model_input and the Euler step, the initial noise.
    /// Run: dotnet run -c Release --project Tools~/dotnet/Benchmarks -- --filter '*Denoise*'
    /// </summary>
    [MemoryDiagnoser]
    public class DenoiseBenchmarks
    {
        const int LatentSide = 128;
        const int Batch = 2;
        // SDXL UNet down residuals (channels, spatial divisor) and the mid residual.
        static readonly (int Channels, int Divisor)[] Residuals =
        {
            (320, 1), (320, 1), (320, 1), (320, 2), (640, 2), (640, 2), (640, 4), (1280, 4), (1280, 4), (1280, 4),
        };

        [Params(TensorElementType.Float, TensorElementType.Float16)]
        public TensorElementType ElementType { get; set; }

        OrtTensor[] _controlNetOutputs = Array.Empty<OrtTensor>();
        OrtTensor[] _unetInputs = Array.Empty<OrtTensor>();
        float[][] _host = Array.Empty<float[]>();
        OrtTensor _sample = null!;
        float[] _latents = Array.Empty<float>();
        float[] _modelInput = Array.Empty<float>();
        float[] _noisePred = Array.Empty<float>();
        float[] _guided = Array.Empty<float>();
        float[] _next = Array.Empty<float>();
        EulerDiscreteScheduler _scheduler = null!;

        [GlobalSetup]
        public void Setup()
        {
            _controlNetOutputs = new OrtTensor[Residuals.Length];
            _unetInputs = new OrtTensor[Residuals.Length];
            _host = new float[Residuals.Length][];
            for (int i = 0; i < Residuals.Length; i++)
            {
                int side = LatentSide / Residuals[i].Divisor;
                var shape = new long[] { Batch, Residuals[i].Channels, side, side };
                _controlNetOutputs[i] = new OrtTensor(ElementType, shape);
                _controlNetOutputs[i].Fill(0.25f);
                _unetInputs[i] = new OrtTensor(ElementType, shape);
                _host[i] = new float[_unetInputs[i].Length];
            }
            int latentSize = 4 * LatentSide * LatentSide;
            _sample = new OrtTensor(ElementType, new long[] { Batch, 4, LatentSide, LatentSide });
            _latents = new TorchCpuGenerator(1).Randn(latentSize);
            _modelInput = new float[Batch * latentSize];
            _noisePred = new TorchCpuGenerator(2).Randn(Batch * latentSize);
            _guided = new float[latentSize];
            _next = new float[latentSize];
            _scheduler = new EulerDiscreteScheduler(SchedulerConfig.SdxlBase());
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            foreach (var t in _controlNetOutputs) t.Dispose();
            foreach (var t in _unetInputs) t.Dispose();
            _sample.Dispose();
        }

        /// <summary>
        /// ControlNet outputs → host arrays → UNet inputs: the per-step copy when residuals are summed (extra
        /// ControlNets) or element types differ. With IdentityNet alone the UNet binds the ControlNet's output
        /// tensors directly and this cost is zero.
        /// </summary>
        [Benchmark]
        public void ResidualHandoff()
        {
            for (int i = 0; i < Residuals.Length; i++)
            {
                _controlNetOutputs[i].Read(_host[i]);
                _unetInputs[i].Write(_host[i]);
            }
        }

        /// <summary>Latents → CFG batch → scale_model_input → sample tensor; guidance; Euler step.</summary>
        [Benchmark]
        public void SampleGuidanceAndSchedulerStep()
        {
            _scheduler.SetTimesteps(30);
            float t = _scheduler.Timesteps[0];
            for (int b = 0; b < Batch; b++) _latents.AsSpan().CopyTo(_modelInput.AsSpan(b * _latents.Length));
            _scheduler.ScaleModelInput(_modelInput, t, _modelInput);
            _sample.Write(_modelInput);
            InstantIdDenoiser.ApplyGuidance(_noisePred, 5f, _guided);
            _scheduler.Step(_guided, t, _latents, _next, Span<float>.Empty, null);
        }

        /// <summary>torch-compatible initial noise for a 1024² SDXL latent (once per generation).</summary>
        [Benchmark]
        public float[] InitialNoise() => new TorchCpuGenerator(42).Randn(4 * LatentSide * LatentSide);
    }
}
