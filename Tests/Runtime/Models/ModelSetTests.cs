using System.IO;
using System.Linq;
using InstantIdAvatars.Models;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Models
{
    /// <summary>Opening and validating real model-set folders (the tiny set and damaged copies of it).</summary>
    public sealed class ModelSetTests
    {
        string _copy = "";

        [SetUp]
        public void CopyTheTinySet()
        {
            _copy = TestData.CopyTinyModelSet();
        }

        [TearDown]
        public void Delete() => Directory.Delete(_copy, true);

        string In(string relative) => Path.Combine(_copy, relative);

        [Test]
        public void TinySet_OpensAndValidates()
        {
            var set = ModelSet.Open(TestData.TinyModelSet);
            Assert.That(set.Index.DefaultWidth, Is.EqualTo(64));
            Assert.That(set.Has(ModelKind.VaeEncoder), Is.True);
            var signatures = set.Validate();
            Assert.That(signatures.Keys, Has.Count.EqualTo(9));
            var unet = signatures["unet/model.onnx"];
            Assert.That(unet.Family(unet.Inputs, "down_block_additional_residual_").Count, Is.EqualTo(6));
        }

        [Test]
        public void CreateSession_ChecksAndLoads()
        {
            var set = ModelSet.Open(_copy);
            using var session = set.CreateSession(ModelKind.VaeDecoder, new OrtSessionFactory(new SessionSettings { Provider = ExecutionProvider.Cpu }));
            Assert.That(session.InputNames, Is.EqualTo(new[] { "latent_sample" }));
        }

        [Test]
        public void MissingFile_IsNamed()
        {
            File.Delete(In("unet/model.onnx"));
            File.Delete(In("tokenizer_2/merges.txt"));
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy))!;
            Assert.That(e.Problems, Is.EqualTo(new[] { "unet/model.onnx is missing", "tokenizer_2/merges.txt is missing" }));
        }

        [Test]
        public void OptionalVaeEncoder_MayBeMissing()
        {
            Directory.Delete(In("vae_encoder"), true);
            var set = ModelSet.Open(_copy);
            Assert.That(set.Has(ModelKind.VaeEncoder), Is.False);
            Assert.That(set.Validate().Keys, Has.Count.EqualTo(8));
        }

        [Test]
        public void ZeroByteModel_SaysExportAgain()
        {
            File.WriteAllBytes(In("controlnet/model.onnx"), new byte[0]);
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy))!;
            Assert.That(e.Problems.Single(), Does.Contain("controlnet/model.onnx is empty"));
        }

        [Test]
        public void TruncatedModel_IsNamedByValidate()
        {
            var bytes = File.ReadAllBytes(In("vae_decoder/model.onnx"));
            File.WriteAllBytes(In("vae_decoder/model.onnx"), bytes.Take(bytes.Length / 3).ToArray());
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy).Validate())!;
            Assert.That(e.Problems.Single(), Does.StartWith("vae_decoder/model.onnx cannot be loaded by ONNX Runtime"));
        }

        [Test]
        public void WrongInputName_IsNamedWithWhatWasFound()
        {
            // the decoder takes latent_sample where the encoder must take sample
            File.Copy(In("vae_decoder/model.onnx"), In("vae_encoder/model.onnx"), true);
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy).Validate())!;
            Assert.That(e.Problems, Has.Some.Contains("vae_encoder/model.onnx: missing input 'sample'").And.Some.Contains("found instead: latent_sample"));
            Assert.That(e.Problems, Has.Some.Contains("vae_encoder/model.onnx: missing output 'latent_sample'"));
        }

        [Test]
        public void WrongDtypeAndRank_AreNamed()
        {
            // image_proj takes float face_embeds [B,K,512]; as a text encoder it has the wrong name, rank and dtype
            File.Copy(In("image_proj/model.onnx"), In("text_encoder/model.onnx"), true);
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy).Validate())!;
            Assert.That(e.Problems, Has.Some.Contains("text_encoder/model.onnx: missing input 'input_ids' (rank 2, int32)"));
            Assert.That(e.Message, Does.Contain("problems"));
        }

        [Test]
        public void BadJson_IsNamed()
        {
            File.WriteAllText(In("model_index.json"), "{ \"format\": \"instantid-avatars/onnx\", ");
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy))!;
            Assert.That(e.Problems.Single(), Does.StartWith("model_index.json is not valid JSON"));
        }

        [Test]
        public void MismatchedModels_AreFoundByTheCrossCheck()
        {
            // a Resampler whose tokens are 128 wide cannot feed a UNet that expects 64
            File.Copy(TestData.Path("Reference/models/resampler_tiny.onnx"), In("image_proj/model.onnx"), true);
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy).Validate())!;
            Assert.That(e.Problems.Single(), Is.EqualTo("image_proj/model.onnx makes tokens 128 wide but unet/model.onnx expects 64"));
        }

        [Test]
        public void ExtraControlNet_IsFoundAndChecked()
        {
            Directory.CreateDirectory(In("controlnet_depth"));
            File.Copy(In("controlnet/model.onnx"), In("controlnet_depth/model.onnx"));
            var set = ModelSet.Open(_copy);
            Assert.That(set.ExtraControlNets, Is.EqualTo(new[] { "depth" }));
            Assert.That(set.Validate().Keys, Does.Contain("controlnet_depth/model.onnx"));
            Assert.That(() => set.CreateExtraControlNetSession("canny", new OrtSessionFactory()),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("has no ControlNet named 'canny' (has: depth)"));
        }

        [Test]
        public void MissingFolder_AndNewerVersion_AreClear()
        {
            Assert.That(() => ModelSet.Open(Path.Combine(_copy, "nope")), Throws.InstanceOf<ModelSetException>().With.Message.Contains("the folder does not exist"));
            File.WriteAllText(In("model_index.json"), File.ReadAllText(In("model_index.json")).Replace("\"version\": 1", "\"version\": 3"));
            Assert.That(() => ModelSet.Open(_copy), Throws.InstanceOf<ModelSetException>().With.Message.Contains("format version 3 is newer"));
        }

        [Test]
        public void AutoProvider_FallsBackToCpu_AndSaysWhy()
        {
            var log = new System.Collections.Generic.List<string>();
            var factory = new OrtSessionFactory(new SessionSettings { Log = log.Add });
            if (OrtSessionFactory.AvailableProviders().Contains("CUDAExecutionProvider")) Assert.Ignore("this ONNX Runtime build has CUDA");
            Assert.That(factory.ResolvedProvider, Is.EqualTo(ExecutionProvider.Cpu));
            Assert.That(log.Single(), Does.Contain("using CPU").And.Contain("CPUExecutionProvider"));
        }

        [Test]
        public void ExplicitMissingProvider_IsAnError_NotASilentFallback()
        {
            if (OrtSessionFactory.AvailableProviders().Contains("CUDAExecutionProvider")) Assert.Ignore("this ONNX Runtime build has CUDA");
            var factory = new OrtSessionFactory(new SessionSettings { Provider = ExecutionProvider.Cuda });
            Assert.That(() => factory.ResolvedProvider, Throws.InstanceOf<InstantIdException>().With.Message.Contains("Cuda execution provider was asked for"));
        }
    }
}
