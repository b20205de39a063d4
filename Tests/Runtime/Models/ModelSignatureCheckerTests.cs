using System.Linq;
using InstantIdAvatars.Models;
using Microsoft.ML.OnnxRuntime.Tensors;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Models
{
    public sealed class ModelSignatureCheckerTests
    {
        static TensorInfo T(string name, int rank, TensorElementType type = TensorElementType.Float) =>
            new TensorInfo(name, type, Enumerable.Repeat(-1, rank).ToArray());

        static ModelSignature UNet(params TensorInfo[] replace)
        {
            var inputs = new[]
            {
                T("sample", 4), T("timestep", 1), T("encoder_hidden_states", 3), T("text_embeds", 2), T("time_ids", 2),
                T("ip_adapter_scale", 1), T("down_block_additional_residual_0", 4), T("down_block_additional_residual_1", 4),
                T("mid_block_additional_residual", 4),
            }.Select(i => replace.FirstOrDefault(r => r.Name == i.Name) ?? i).ToArray();
            return new ModelSignature(inputs, new[] { T("out_sample", 4) });
        }

        static System.Collections.Generic.List<string> Check(ModelSignature s, bool fp16 = false) =>
            ModelSignatureChecker.Check(ModelContract.Get(ModelKind.UNet), s, fp16);

        [Test]
        public void ContractSignature_HasNoProblems() => Assert.That(Check(UNet()), Is.Empty);

        [Test]
        public void Float16Tensors_AreAccepted() =>
            Assert.That(Check(UNet(T("sample", 4, TensorElementType.Float16), T("encoder_hidden_states", 3, TensorElementType.Float16)), true), Is.Empty);

        [Test]
        public void WrongRank_IsNamed()
        {
            var problems = Check(UNet(T("time_ids", 3)));
            Assert.That(problems, Has.Count.EqualTo(1));
            Assert.That(problems[0], Does.Contain("input 'time_ids' must have rank 2, found rank 3"));
        }

        [Test]
        public void WrongDtype_IsNamed()
        {
            var problems = Check(UNet(T("timestep", 1, TensorElementType.Int64)));
            Assert.That(problems, Has.Count.EqualTo(1));
            Assert.That(problems[0], Does.Contain("input 'timestep' must be float32, found int64"));
        }

        [Test]
        public void WrongName_IsNamedWithWhatWasFound()
        {
            var s = UNet();
            var inputs = s.Inputs.Select(i => i.Name == "ip_adapter_scale" ? T("scale", 1) : i).ToArray();
            var problems = Check(new ModelSignature(inputs, s.Outputs));
            Assert.That(problems, Has.Count.EqualTo(2));
            Assert.That(problems[0], Does.Contain("missing input 'ip_adapter_scale'").And.Contain("found instead: scale"));
            Assert.That(problems[1], Does.Contain("unexpected input 'scale"));
        }

        [Test]
        public void MissingResidualFamily_IsNamed()
        {
            var s = UNet();
            var inputs = s.Inputs.Where(i => !i.Name.StartsWith("down_block")).ToArray();
            var problems = Check(new ModelSignature(inputs, s.Outputs));
            Assert.That(problems.Single(), Does.Contain("missing input 'down_block_additional_residual_0..'"));
        }

        [Test]
        public void FaceDetector_ChecksCountOnly()
        {
            var spec = ModelContract.Get(ModelKind.FaceDetector);
            var ok = new ModelSignature(new[] { T("input.1", 4) }, Enumerable.Range(0, 9).Select(i => T((448 + i).ToString(), 2)).ToArray());
            Assert.That(ModelSignatureChecker.Check(spec, ok, false), Is.Empty);
            var noKps = new ModelSignature(ok.Inputs, ok.Outputs.Take(6).ToArray());
            Assert.That(ModelSignatureChecker.Check(spec, noKps, false).Single(), Does.Contain("expected 9 output(s)"));
        }
    }
}
