using InstantIdAvatars.Models;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Models
{
    public sealed class ModelIndexTests
    {
        const string Valid = "{\"format\":\"instantid-avatars/onnx\",\"version\":1,\"dtype\":\"float16\",\"vae_scaling_factor\":0.13025,"
                             + "\"default_size\":[1024,960],\"image_tokens\":16,\"face\":{\"det_size\":640},"
                             + "\"scheduler\":{\"_class_name\":\"EulerDiscreteScheduler\"},\"source\":{\"sdxl\":\"x\"}}";

        [Test]
        public void Parse_ReadsEveryField()
        {
            var index = ModelIndex.Parse(Valid, "set");
            Assert.That(index.Version, Is.EqualTo(1));
            Assert.That(index.IsFloat16, Is.True);
            Assert.That(index.VaeScalingFactor, Is.EqualTo(0.13025f));
            Assert.That(index.DefaultHeight, Is.EqualTo(1024));
            Assert.That(index.DefaultWidth, Is.EqualTo(960));
            Assert.That(index.ImageTokens, Is.EqualTo(16));
            Assert.That(index.FaceDetSize, Is.EqualTo(640));
            Assert.That((string?)index.Scheduler["_class_name"], Is.EqualTo("EulerDiscreteScheduler"));
        }

        [Test]
        public void Parse_BadJson_SaysSo()
        {
            var e = Assert.Throws<ModelSetException>(() => ModelIndex.Parse("{\"format\": ", "set"))!;
            Assert.That(e.Message, Does.Contain("model_index.json is not valid JSON"));
            Assert.That(e.Message, Does.Contain("set"));
        }

        [Test]
        public void Parse_ReportsAllProblemsAtOnce()
        {
            var json = Valid.Replace("\"float16\"", "\"bfloat16\"").Replace("[1024,960]", "[1023,960]").Replace("\"det_size\":640", "\"det_size\":\"big\"");
            var e = Assert.Throws<ModelSetException>(() => ModelIndex.Parse(json, "set"))!;
            Assert.That(e.Problems, Has.Count.EqualTo(3));
            Assert.That(e.Problems[0], Does.Contain("\"dtype\" must be \"float16\" or \"float32\", found \"bfloat16\""));
            Assert.That(e.Problems[1], Does.Contain("default_size"));
            Assert.That(e.Problems[2], Does.Contain("\"face.det_size\" must be an integer"));
        }

        [Test]
        public void Parse_NewerVersion_AsksForAnUpdate()
        {
            var e = Assert.Throws<ModelSetException>(() => ModelIndex.Parse(Valid.Replace("\"version\":1", "\"version\":2"), "set"))!;
            Assert.That(e.Message, Does.Contain("format version 2 is newer than this package reads (1)"));
        }

        [Test]
        public void Parse_WrongFormat_IsRejected()
        {
            var e = Assert.Throws<ModelSetException>(() => ModelIndex.Parse(Valid.Replace("instantid-avatars/onnx", "diffusers"), "set"))!;
            Assert.That(e.Problems, Has.Count.EqualTo(1));
            Assert.That(e.Problems[0], Does.Contain("\"format\" must be \"instantid-avatars/onnx\", found \"diffusers\""));
        }
    }
}
