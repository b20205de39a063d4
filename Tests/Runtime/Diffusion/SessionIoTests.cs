using InstantIdAvatars.Models;
using InstantIdAvatars.Diffusion;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Diffusion
{
    public sealed class SessionIoTests
    {
        [Test]
        public void Float16Model_TakesAndReturnsFloatsThroughHalfConversion()
        {
            using var session = new InferenceSession(TestData.Path("Reference/half_io/half_io.onnx"));
            using var io = new SessionIo(session, "half_io");
            var input = new[] { 0.1f, -3.14159f, 1000.7f, 6e-8f, 40000f };
            io.Write("sample", input, input.Length);
            Assert.That(io.Input("sample", input.Length).ElementType, Is.EqualTo(TensorElementType.Float16));
            io.Run();
            var output = new float[input.Length];
            io.Output("out_sample").Read(output);
            var expected = new float[input.Length];
            for (int i = 0; i < input.Length; i++)
                expected[i] = HalfConverter.ToFloat(HalfConverter.FromFloat(2f * HalfConverter.ToFloat(HalfConverter.FromFloat(input[i]))));
            Assert.That(output, Is.EqualTo(expected));
            Assert.That(output[4], Is.EqualTo(float.PositiveInfinity), "80000 overflows float16");
        }

        [Test]
        public void Run_ReusesOutputBuffersAndReallocatesWhenShapeChanges()
        {
            using var session = new InferenceSession(TestData.Path("Reference/half_io/half_io.onnx"));
            using var io = new SessionIo(session, "half_io");
            io.Write("sample", new[] { 1f, 2f }, 2);
            io.Run();
            var first = io.Output("out_sample");
            io.Write("sample", new[] { 3f, 4f }, 2);
            io.Run();
            Assert.That(io.Output("out_sample"), Is.SameAs(first));
            var values = new float[2];
            first.Read(values);
            Assert.That(values, Is.EqualTo(new[] { 6f, 8f }));
            io.Write("sample", new[] { 1f, 2f, 3f }, 3);
            io.Run();
            var resized = new float[3];
            io.Output("out_sample").Read(resized);
            Assert.That(resized, Is.EqualTo(new[] { 2f, 4f, 6f }));
        }
    }
}
