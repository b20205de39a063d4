using System;
using InstantIdAvatars.Diffusion;
using InstantIdAvatars.Schedulers;
using Microsoft.ML.OnnxRuntime;

namespace InstantIdAvatars.Tests.Diffusion
{
    /// <summary>Loads the one-step InstantID reference (Tests/Fixtures/Reference/unet_step) and the tiny models.</summary>
    internal static class StepFixture
    {
        public const float Timestep = 958f;

        public static float[] Load(string name) => TestData.LoadNpy(TestData.Path("Reference/unet_step/" + name + ".npy")).Data;

        public static (float[] Data, int[] Shape) LoadWithShape(string name) => TestData.LoadNpy(TestData.Path("Reference/unet_step/" + name + ".npy"));

        static readonly System.Collections.Generic.Dictionary<string, InferenceSession> _shared =
            new System.Collections.Generic.Dictionary<string, InferenceSession>();

        /// <summary>
        /// A session shared by all tests of the run (never dispose it): creating the tiny UNet's session takes
        /// seconds, running it milliseconds. The runners under test never own sessions, so sharing is safe.
        /// </summary>
        public static InferenceSession Shared(string model)
        {
            lock (_shared)
            {
                if (!_shared.TryGetValue(model, out var session)) _shared[model] = session = Session(model);
                return session;
            }
        }

        /// <summary>A new session of a tiny model (the caller disposes it).</summary>
        public static InferenceSession Session(string model)
        {
            // Graph optimisations off: the tests check this package's binding and numerics, and the optimiser
            // only adds seconds to session creation on a shared test machine.
            var options = new SessionOptions
            {
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            };
            return new InferenceSession(TestData.Path("Reference/models/" + model + "_tiny.onnx"), options);
        }

        /// <summary>Row <paramref name="row"/> of a [B,...] array.</summary>
        public static float[] Row(float[] data, int batch, int row)
        {
            int n = data.Length / batch;
            var result = new float[n];
            System.Array.Copy(data, row * n, result, 0, n);
            return result;
        }
    }

    /// <summary>Runners over the shared tiny reference models, for tests that build whole denoisers.</summary>
    sealed class TinyRunners : IDisposable
    {
        public readonly UNetRunner UNet = new UNetRunner(StepFixture.Shared("unet"));
        public readonly ControlNetRunner ControlNet = new ControlNetRunner(StepFixture.Shared("controlnet"));
        public readonly VaeDecoder Vae = new VaeDecoder(StepFixture.Shared("vae_decoder"));

        public InstantIdDenoiser Denoiser() => new InstantIdDenoiser(UNet, ControlNet, Vae, 0.13025f);

        public static EulerDiscreteScheduler Euler() => new EulerDiscreteScheduler(SchedulerConfig.SdxlBase());

        public void Dispose()
        {
            UNet.Dispose();
            ControlNet.Dispose();
            Vae.Dispose();
        }
    }
}
