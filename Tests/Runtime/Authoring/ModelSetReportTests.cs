using System.IO;
using System.Linq;
using InstantIdAvatars.Authoring;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Authoring
{
    /// <summary>The model-set inspector's report on the tiny set and damaged copies.</summary>
    public sealed class ModelSetReportTests
    {
        string _copy = "";

        [SetUp]
        public void CopyTheTinySet()
        {
            _copy = TestData.CopyTinyModelSet();
        }

        [TearDown]
        public void Delete() => Directory.Delete(_copy, true);

        [Test]
        public void TinySet_IsValid_WithARowPerModel_AndItsSignature()
        {
            var report = ModelSetReport.Inspect(_copy);
            Assert.That(report.Problems, Is.Empty);
            Assert.That(report.IsValid, Is.True);
            Assert.That(report.Rows.Select(r => r.Model), Is.EquivalentTo(new[]
            {
                "text_encoder/model.onnx", "text_encoder_2/model.onnx", "image_proj/model.onnx", "controlnet/model.onnx", "unet/model.onnx",
                "vae_decoder/model.onnx", "vae_encoder/model.onnx", "face/detector.onnx", "face/recognizer.onnx",
            }));
            Assert.That(report.Rows.All(r => r.Status == ModelRowStatus.Ok), Is.True);
            var vae = report.Rows.Single(r => r.Model == "vae_decoder/model.onnx");
            Assert.That(vae.Inputs.Single(), Does.StartWith("latent_sample float32 [").And.Contain(",4,"));
            Assert.That(vae.Outputs.Single(), Does.StartWith("sample float32"));
            var unet = report.Rows.Single(r => r.Model == "unet/model.onnx");
            Assert.That(unet.Inputs.Count(i => i.StartsWith("down_block_additional_residual_")), Is.EqualTo(6));
            Assert.That(report.Providers, Does.Contain("CPUExecutionProvider"));
            Assert.That(report.Summary, Does.StartWith(report.Index!.DType + ", 64×64,").And.EndWith("extra ControlNets: none"));
        }

        [Test]
        public void ExtraControlNet_GetsItsOwnRow_AndIsNamedInTheSummary()
        {
            Directory.CreateDirectory(Path.Combine(_copy, "controlnet_depth"));
            File.Copy(Path.Combine(_copy, "controlnet/model.onnx"), Path.Combine(_copy, "controlnet_depth/model.onnx"));
            var report = ModelSetReport.Inspect(_copy);
            Assert.That(report.IsValid, Is.True, string.Join("; ", report.Problems));
            Assert.That(report.ExtraControlNets, Is.EqualTo(new[] { "depth" }));
            Assert.That(report.Summary, Does.EndWith("extra ControlNets: depth"));
            var row = report.Rows.Last();
            Assert.That((row.Model, row.Status), Is.EqualTo(("controlnet_depth/model.onnx", ModelRowStatus.Ok)));
            Assert.That(row.Outputs, Is.EqualTo(report.Rows.Single(r => r.Model == "controlnet/model.onnx").Outputs));
        }

        [Test]
        public void MissingModel_IsListed_AndOtherRowsAreNotChecked()
        {
            File.Delete(Path.Combine(_copy, "unet/model.onnx"));
            File.Delete(Path.Combine(_copy, "vae_encoder/model.onnx"));
            var report = ModelSetReport.Inspect(_copy);
            Assert.That(report.IsValid, Is.False);
            Assert.That(report.Problems, Is.EqualTo(new[] { "unet/model.onnx is missing" }));
            var status = report.Rows.ToDictionary(r => r.Model, r => r.Status);
            Assert.That(status["unet/model.onnx"], Is.EqualTo(ModelRowStatus.Missing));
            Assert.That(status["vae_encoder/model.onnx"], Is.EqualTo(ModelRowStatus.Absent), "optional");
            Assert.That(status["vae_decoder/model.onnx"], Is.EqualTo(ModelRowStatus.NotChecked));
            Assert.That(report.Index, Is.Not.Null, "the index is still summarised");
        }

        [Test]
        public void ModelWithTheWrongSignature_IsAProblemRow()
        {
            // the VAE decoder in the image projection's place: wrong inputs and outputs
            File.Copy(Path.Combine(_copy, "vae_decoder/model.onnx"), Path.Combine(_copy, "image_proj/model.onnx"), true);
            var report = ModelSetReport.Inspect(_copy);
            var row = report.Rows.Single(r => r.Model == "image_proj/model.onnx");
            Assert.That(row.Status, Is.EqualTo(ModelRowStatus.Problem));
            Assert.That(row.Problems, Is.Not.Empty);
            Assert.That(row.Problems.All(p => p.StartsWith("image_proj/model.onnx: ")), Is.True);
            Assert.That(report.Problems, Is.SupersetOf(row.Problems));
            Assert.That(report.Rows.Single(r => r.Model == "unet/model.onnx").Status, Is.EqualTo(ModelRowStatus.Ok));
        }

        [Test]
        public void MissingFolder_IsOneProblem()
        {
            var report = ModelSetReport.Inspect(Path.Combine(_copy, "nope"));
            Assert.That(report.Problems, Is.EqualTo(new[] { "the folder does not exist" }));
            Assert.That(report.Rows.All(r => r.Status == ModelRowStatus.NotChecked), Is.True);
            Assert.That(report.Index, Is.Null);
        }
    }
}
