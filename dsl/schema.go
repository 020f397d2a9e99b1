package dsl

import "github.com/hashicorp/hcl/v2"

// The schemas of every block, beside each other so the language is visible in
// one place. docs/language.md describes each attribute.

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "workflow", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "pool", LabelNames: []string{"name"}},
		{Type: "stage", LabelNames: []string{"name"}},
	},
}

var workflowSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "state_dir"},
		{Name: "shm_dir"},
		{Name: "memory_budget"},
		{Name: "shm_reuse"},
		{Name: "description"},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	},
}

var poolSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "executor"},
		{Name: "processes"},
		{Name: "memory"},
		{Name: "cpus"},
		{Name: "shm_dir"},
		{Name: "partition"},
		{Name: "account"},
		{Name: "qos"},
		{Name: "sbatch_args"},
	},
}

var stageSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"},
		{Name: "pool"},
		{Name: "command"},
		{Name: "script"},
		{Name: "env"},
		{Name: "env_passthrough"},
		{Name: "dir"},
		{Name: "memory"},
		{Name: "cpus"},
		{Name: "timeout"},
		{Name: "grace"},
		{Name: "estimate"},
		{Name: "depends_on"},
		{Name: "for_each"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "retry"},
		{Type: "input", LabelNames: []string{"name"}},
		{Type: "output", LabelNames: []string{"name"}},
	},
}

var retrySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "attempts"},
		{Name: "backoff"},
		{Name: "on"},
		{Name: "memory_growth"},
	},
}

var inputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "from", Required: true}},
}

var outputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "size"},
		{Name: "min_size"},
		{Name: "keep"},
		{Name: "publish"},
	},
}
