using InstantIdAvatars.Pipeline;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>Requests that could only fail deep in the pipeline are refused up front, on the caller's thread.</summary>
    public sealed class RequestValidationTests
    {
        [TestCase(3, 0.2, "img2img with 3 steps at strength 0.2 runs no denoising step")]
        [TestCase(1, null, "img2img with 1 steps at strength 0.8 runs no denoising step")] // diffusers' default strength
        public void Img2ImgWithNoStepLeft_IsRefusedByValidate(int steps, double? strength, string message)
        {
            var r = new GenerationRequest { FacePhotoPaths = { "a.png" }, InitImagePath = "b.png", Steps = steps, Strength = strength };
            Assert.That(() => r.Validate(), Throws.InstanceOf<InvalidRequestException>().With.Message.Contains(message));
        }

        [TestCase(3, 0.34)]
        [TestCase(2, null)]
        public void Img2ImgWithAStepLeft_IsAccepted(int steps, double? strength)
        {
            var r = new GenerationRequest { FacePhotoPaths = { "a.png" }, InitImagePath = "b.png", Steps = steps, Strength = strength };
            Assert.That(() => r.Validate(), Throws.Nothing);
        }
    }
}
