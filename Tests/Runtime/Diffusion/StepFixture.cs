using Microsoft.ML.OnnxRuntime;

namespace InstantIdAvatars.Tests.Diffusion
{
    /// <summary>Loads the one-step InstantID reference (Tests/Fixtures/Reference/unet_step) and the tiny models.</summary>
    internal static class StepFixture
    {
        public const float Timestep = 958f;

        public static float[] Load(string name) => TestData.LoadNpy(TestData.Path("Reference/unet_step/" + name + ".npy")).Data;

        public static (float[] Data, int[] Shape) LoadWithShape(string name) => TestData.LoadNpy(TestData.Path("Reference/unet_step/" + name + ".npy"));

        public static InferenceSession Session(string model)
        {
            var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
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
}
