using System;
using System.Collections;
using System.Linq;
using System.Reflection;
using InstantIdAvatars.Pipeline;
using Newtonsoft.Json;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Pipeline
{
    /// <summary>
    /// Every field of <see cref="GenerationRequest"/> survives the JSON of <see cref="GenerationMetadata"/>, and
    /// <see cref="GenerationRequest.Clone"/> shares nothing a caller could change under a queued job.
    /// </summary>
    public sealed class RequestCopyAndJsonTests
    {
        /// <summary>A request with every serialised field away from its default (found by reflection, so new fields are covered).</summary>
        static GenerationRequest Full() => new GenerationRequest
        {
            FacePhotoPaths = { "a.png", "b.png" }, ProfilePath = "p.iidprofile", Combine = InstantIdAvatars.Faces.MultiReferenceMode.Stacked,
            Prompt = "a knight", NegativePrompt = "blurry", Prompt2 = "armour", NegativePrompt2 = "noise", PromptWeighting = true,
            Width = 832, Height = 1216, Steps = 28, GuidanceScale = 4.5f, IpAdapterScale = 0.7f, IdentityNetScale = 0.6f,
            IdentityNetStart = 0.1f, IdentityNetEnd = 0.5f, Seed = 9007199254740991L, Scheduler = "dpmpp_2m_karras",
            PosePhotoPath = "pose.png", PoseKeypoints = new[] { 1.1f, 2, 3, 4, 5, 6, 7, 8, 9, 10.3f },
            ExtraControls = { new ExtraControl { Name = "depth", ImagePath = "d.png", Scale = 0.3f, Start = 0.2f, End = 0.9f } },
            InitImagePath = "init.png", Strength = 0.35, FaceRegionMask = true, FaceRegionFeather = 0.3f,
            Regions =
            {
                new IdentityRegionRequest { FacePhotoPath = "r.png", ProfilePath = "r.iidprofile", X = 1, Y = 2, Width = 3, Height = 4, PoseKeypoints = new[] { 0.5f, 1, 2, 3, 4, 5, 6, 7, 8, 9 } },
            },
            RegionFeather = 3.5f, Previews = true,
        };

        static bool Serialised(PropertyInfo p) =>
            p.CanRead && p.CanWrite && p.GetSetMethod() != null && p.GetCustomAttribute<JsonIgnoreAttribute>() == null;

        [Test]
        public void Json_RoundTripsEveryField()
        {
            var original = Full();
            var back = GenerationMetadata.FromJson(GenerationMetadata.ToJson(original));
            var fresh = new GenerationRequest();
            foreach (var p in typeof(GenerationRequest).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(Serialised))
            {
                string Json(GenerationRequest r) => JsonConvert.SerializeObject(p.GetValue(r));
                Assert.That(Json(original), Is.Not.EqualTo(Json(fresh)), $"the test sets {p.Name} away from its default");
                Assert.That(Json(back), Is.EqualTo(Json(original)), p.Name);
            }
            Assert.That(back.Seed, Is.EqualTo(9007199254740991L));
            Assert.That(back.PoseKeypoints, Is.EqualTo(original.PoseKeypoints));
            Assert.That(back.Regions[0].PoseKeypoints, Is.EqualTo(original.Regions[0].PoseKeypoints));
        }

        [Test]
        public void Clone_SharesNoListOrArray_AtAnyDepth()
        {
            var original = Full();
            var copy = original.Clone();
            void NotShared(object a, object b, string path)
            {
                foreach (var p in a.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
                {
                    var va = p.GetValue(a);
                    var vb = p.GetValue(b);
                    if (va == null || va is string || p.PropertyType.IsValueType || p.PropertyType.IsEnum) continue;
                    if (va is Array || va is IList)
                    {
                        Assert.That(ReferenceEquals(va, vb), Is.False, $"{path}.{p.Name} is shared between the request and its clone");
                        if (va is IList list && vb is IList other)
                            for (int i = 0; i < list.Count; i++)
                                if (list[i] is ExtraControl || list[i] is IdentityRegionRequest)
                                {
                                    Assert.That(ReferenceEquals(list[i], other[i]), Is.False, $"{path}.{p.Name}[{i}] is shared");
                                    NotShared(list[i]!, other[i]!, $"{path}.{p.Name}[{i}]");
                                }
                    }
                }
            }
            NotShared(original, copy, "request");

            // what a caller does after queueing: change the original in every way; the clone stays as it was
            var before = GenerationMetadata.ToJson(copy);
            original.Regions[0].X = 50;
            original.Regions[0].PoseKeypoints![0] = 99;
            original.Regions.Add(new IdentityRegionRequest { FacePhotoPath = "x.png", Width = 1, Height = 1 });
            original.ExtraControls[0].Scale = 2;
            original.PoseKeypoints![0] = 99;
            original.FacePhotoPaths.Add("c.png");
            original.Strength = 1;
            original.FaceRegionMask = false;
            original.InitImagePath = null;
            Assert.That(GenerationMetadata.ToJson(copy), Is.EqualTo(before));
        }
    }
}
