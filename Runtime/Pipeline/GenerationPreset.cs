using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>
    /// Named generation settings as data (JSON), applied on top of a request. Null fields leave the request's
    /// value alone. The prompt template puts the user's prompt where "{prompt}" stands.
    /// </summary>
    public sealed class GenerationPreset
    {
        [JsonProperty("name")] public string Name { get; set; } = "";
        [JsonProperty("description")] public string Description { get; set; } = "";
        [JsonProperty("prompt_template")] public string? PromptTemplate { get; set; }
        [JsonProperty("negative_prompt")] public string? NegativePrompt { get; set; }
        [JsonProperty("width")] public int? Width { get; set; }
        [JsonProperty("height")] public int? Height { get; set; }
        [JsonProperty("steps")] public int? Steps { get; set; }
        [JsonProperty("guidance_scale")] public float? GuidanceScale { get; set; }
        [JsonProperty("ip_adapter_scale")] public float? IpAdapterScale { get; set; }
        [JsonProperty("identitynet_scale")] public float? IdentityNetScale { get; set; }
        [JsonProperty("identitynet_end")] public float? IdentityNetEnd { get; set; }
        [JsonProperty("scheduler")] public string? Scheduler { get; set; }

        /// <summary>Writes the preset's values into <paramref name="request"/>.</summary>
        public void ApplyTo(GenerationRequest request)
        {
            if (PromptTemplate != null)
                request.Prompt = PromptTemplate.Contains("{prompt}") ? PromptTemplate.Replace("{prompt}", request.Prompt) : PromptTemplate;
            if (NegativePrompt != null) request.NegativePrompt = NegativePrompt;
            if (Width.HasValue) request.Width = Width.Value;
            if (Height.HasValue) request.Height = Height.Value;
            if (Steps.HasValue) request.Steps = Steps.Value;
            if (GuidanceScale.HasValue) request.GuidanceScale = GuidanceScale.Value;
            if (IpAdapterScale.HasValue) request.IpAdapterScale = IpAdapterScale.Value;
            if (IdentityNetScale.HasValue) request.IdentityNetScale = IdentityNetScale.Value;
            if (IdentityNetEnd.HasValue) request.IdentityNetEnd = IdentityNetEnd.Value;
            if (Scheduler != null) request.Scheduler = Scheduler;
        }

        /// <summary>Reads a JSON array of presets; errors name the preset and field.</summary>
        public static IReadOnlyList<GenerationPreset> ParseList(string json)
        {
            JArray array;
            try { array = JArray.Parse(json); }
            catch (JsonException e) { throw new InstantIdException("Presets file is not a valid JSON array of presets: " + e.Message); }
            var list = new List<GenerationPreset>();
            foreach (var item in array)
            {
                GenerationPreset? preset;
                try { preset = item.ToObject<GenerationPreset>(); }
                catch (JsonException e) { throw new InstantIdException($"Preset #{list.Count + 1} has a field of the wrong type: {e.Message}"); }
                if (preset == null || string.IsNullOrWhiteSpace(preset.Name))
                    throw new InstantIdException($"Preset #{list.Count + 1} has no \"name\".");
                list.Add(preset);
            }
            var duplicate = list.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (duplicate != null) throw new InstantIdException($"Two presets are named '{duplicate.Key}'; names must be unique.");
            return list;
        }

        const string DefaultNegative = "(lowres, low quality, worst quality:1.2), watermark, text, signature, deformed, blurry, extra fingers, bad anatomy";

        /// <summary>
        /// The built-in presets. "portrait" is InstantID's demo setting (30 steps, CFG 5, both identity scales 0.8,
        /// 1024²); "lcm" is for model sets fused with LCM-LoRA (few steps, no CFG).
        /// </summary>
        public static IReadOnlyList<GenerationPreset> BuiltIn { get; } = ParseList(@"[
  {""name"":""portrait"", ""description"":""Head-and-shoulders portrait, InstantID demo defaults."",
   ""prompt_template"":""{prompt}"", ""negative_prompt"":""" + DefaultNegative + @""",
   ""width"":1024, ""height"":1024, ""steps"":30, ""guidance_scale"":5.0, ""ip_adapter_scale"":0.8, ""identitynet_scale"":0.8},
  {""name"":""full-body"", ""description"":""Full figure in a scene; identity scales lowered so the body and scene get room."",
   ""prompt_template"":""full body shot, {prompt}"", ""negative_prompt"":""" + DefaultNegative + @""",
   ""width"":832, ""height"":1216, ""steps"":30, ""guidance_scale"":5.0, ""ip_adapter_scale"":0.6, ""identitynet_scale"":0.6},
  {""name"":""npc-fantasy"", ""description"":""Painted fantasy character portrait for NPCs."",
   ""prompt_template"":""fantasy character portrait of {prompt}, detailed painterly illustration, dramatic rim light"",
   ""negative_prompt"":""" + DefaultNegative + @""", ""steps"":30, ""guidance_scale"":5.0},
  {""name"":""npc-scifi"", ""description"":""Science-fiction character portrait for NPCs."",
   ""prompt_template"":""sci-fi character portrait of {prompt}, neon city lights, cinematic, highly detailed"",
   ""negative_prompt"":""" + DefaultNegative + @""", ""steps"":30, ""guidance_scale"":5.0},
  {""name"":""npc-watercolor"", ""description"":""Soft watercolour illustration."",
   ""prompt_template"":""watercolor painting of {prompt}, soft washes, paper texture"",
   ""negative_prompt"":""" + DefaultNegative + @", photo, photorealistic"", ""steps"":30, ""guidance_scale"":5.0},
  {""name"":""lcm"", ""description"":""Few-step preset for LCM-LoRA model sets (no classifier-free guidance)."",
   ""steps"":8, ""guidance_scale"":1.0, ""scheduler"":""lcm""}
]");

        /// <summary>Finds a built-in preset by name (case-insensitive); the error lists the names.</summary>
        public static GenerationPreset Get(string name) =>
            BuiltIn.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InstantIdException($"There is no preset named '{name}'. Presets: {string.Join(", ", BuiltIn.Select(p => p.Name))}.");
    }
}
